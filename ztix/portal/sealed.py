"""Values the portal keeps in its state store, sealed: encrypted and authenticated.

A login holds the member's PeeringDB access token and their networks; a pending login holds the
PKCE verifier and the nonce. None of it may sit in the store in clear, so every value is sealed
with Fernet (AES-128-CBC with HMAC-SHA256, https://github.com/fernet/spec) under a key derived
from ZTIX_PORTAL_SESSION_SECRET with HKDF (RFC 5869): whoever reads the database (a backup, a
replica's operator) learns nothing and can forge nothing. Keys are sealed too: a session id is
stored only as its HMAC, so a database reader cannot lift a live session id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class Sealer:
    """Seal and open JSON values; name keys by HMAC."""

    def __init__(self, secret: str) -> None:
        material = HKDF(
            algorithm=hashes.SHA256(), length=64, salt=b"ztix-portal-state", info=b"seal+name"
        ).derive(secret.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(material[:32]))
        self._names = material[32:]

    def seal(self, value: Any) -> bytes:
        """The value as JSON, encrypted and authenticated."""
        return self._fernet.encrypt(json.dumps(value, separators=(",", ":")).encode())

    def open(self, sealed: bytes | None) -> Any | None:
        """The value, or None if there is none or it does not open (another key, tampered)."""
        if sealed is None:
            return None
        try:
            return json.loads(self._fernet.decrypt(sealed))
        except (InvalidToken, ValueError):
            return None

    def name(self, kind: str, secret_id: str) -> str:
        """A store key for a secret id: `kind:` and the id's HMAC, never the id itself."""
        digest = hmac.new(self._names, secret_id.encode(), hashlib.sha256).hexdigest()
        return f"{kind}:{digest}"
