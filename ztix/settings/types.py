"""Value types for settings from the environment, strict at start-up.

A service that starts with a blank webhook secret verifies hooks signed with a blank secret; one
that starts without its repository fails on every event. These types refuse such values when
the settings are built, so `ztix portal` / `ztix webhook` exit 2 naming the variable instead.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field, SecretStr

_URL = re.compile(r"https?://[A-Za-z0-9.\-\[\]:]+(?::[0-9]{1,5})?(?:/[^\s?#]*)?")
_LOOPBACK = re.compile(r"https?://(?:127\.[0-9.]+|localhost|\[::1\])(?::[0-9]+)?(?:/.*)?")


def _secret(min_length: int) -> Any:
    def check(value: SecretStr) -> SecretStr:
        text = value.get_secret_value()
        if not text.strip():
            raise ValueError("is empty or blank")
        if text != text.strip():
            raise ValueError("starts or ends with white space (a copy-and-paste slip?)")
        if len(text) < min_length:
            raise ValueError(f"is shorter than {min_length} characters")
        return value

    return AfterValidator(check)


def _url(value: str) -> str:
    if not _URL.fullmatch(value):
        raise ValueError("must be an http(s) URL")
    return value.rstrip("/")


def _nonblank(value: str) -> str:
    if not value.strip():
        raise ValueError("is empty or blank")
    return value.strip()


def is_loopback_url(url: str) -> bool:
    """Whether `url` points at this host (plain http is acceptable there, for development)."""
    return bool(_LOOPBACK.fullmatch(url))


# A shared secret such as a webhook secret (16+ characters: `openssl rand -hex 32` gives 64).
Secret16 = Annotated[SecretStr, _secret(16)]
Secret32 = Annotated[SecretStr, _secret(32)]
Secret1 = Annotated[SecretStr, _secret(1)]
HttpUrl = Annotated[str, AfterValidator(_url)]
NonBlank = Annotated[str, AfterValidator(_nonblank)]
Project = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$")]
Seconds = Annotated[float, Field(gt=0, le=86400)]
