"""Logging in with PeeringDB: OpenID Connect code flow with PKCE, state and nonce; each failure
kind said to the user and written to the audit trail."""

from __future__ import annotations

import secrets
from dataclasses import asdict
from typing import Any

import httpx
from authlib.integrations.base_client.errors import MismatchingStateError
from authlib.integrations.starlette_client import OAuthError
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from joserfc.errors import JoseError

from ztix.portal.access import User, from_claims
from ztix.portal.pages import PortalBase, client_address

SCOPES = "openid profile email networks"


class LoginHandlers(PortalBase):
    """/login, /auth/callback and /logout."""

    async def login(self, request: Request) -> Response:
        """Redirect to PeeringDB; authlib keeps state, nonce and PKCE verifier in the store."""
        source = client_address(request) or "unknown"
        if await self.throttled(request, "login", f"ip:{source}", self.settings.logins_per_minute):
            return self.error(
                request,
                429,
                "Too many logins",
                "Many logins came from your address in the last minute; wait a minute and retry.",
            )
        response: Response = await self.provider.authorize_redirect(
            request, self.settings.redirect_uri
        )
        return response

    async def _token(self, request: Request) -> dict[str, Any]:
        """The token response for the callback's code, its ID token checked; or _LoginFailed."""
        # OpenID Connect Core 3.1.3.7: iss must be the provider and aud must contain our client
        # id (authlib checks aud only when told to); several audiences need azp = our client id.
        claims_options = {
            "iss": {"essential": True, "values": [self.settings.issuer]},
            "aud": {"essential": True, "values": [self.settings.client_id]},
        }
        if "code" not in request.query_params and "error" not in request.query_params:
            raise _LoginFailed(
                self.error(
                    request, 400, "Login failed", "PeeringDB sent no authorization code; retry."
                ),
                "no_code",
            )
        try:
            token: dict[str, Any] = await self.provider.authorize_access_token(
                request, leeway=30, claims_options=claims_options
            )
        except MismatchingStateError:
            # A stale tab, the back button, or a link used twice: not an attack worth naming.
            raise _LoginFailed(
                self.error(
                    request,
                    400,
                    "Login expired",
                    "This login page is out of date (used already, or from another tab). "
                    "Please log in again.",
                ),
                "state",
            ) from None
        except (OAuthError, JoseError, ValueError, KeyError) as exc:
            raise _LoginFailed(
                self.error(
                    request,
                    400,
                    "Login failed",
                    "PeeringDB login could not be "
                    f"completed ({_oauth_reason(exc)}). Please start again.",
                ),
                f"token: {type(exc).__name__}",
            ) from None
        return token

    async def callback(self, request: Request) -> Response:
        """Finish the login: state, code, PKCE, ID token (JWKS, iss, aud, exp, nonce), userinfo."""
        try:
            user = await self._login(request)
        except _LoginFailed as failed:
            source = client_address(request)
            self.audit.record("login", "failed", reason=failed.reason, source=source)
            return failed.response
        self.audit.record("login", "ok", user_id=user.id, source=client_address(request))
        return RedirectResponse("/", status_code=303)

    async def _login(self, request: Request) -> User:
        token = await self._token(request)
        claims = token.get("userinfo")
        if not claims:  # authlib validates an ID token only if there is one: require it
            page = self.error(request, 400, "Login failed", "PeeringDB sent no ID token.")
            raise _LoginFailed(page, "no_id_token")
        try:
            info = await self.provider.userinfo(token=token)
        except (OAuthError, httpx.HTTPError) as exc:
            raise _LoginFailed(
                self.error(
                    request,
                    502,
                    "Login failed",
                    f"PeeringDB did not answer the user-info request ({type(exc).__name__}).",
                ),
                "userinfo",
            ) from None
        if str(info.get("sub")) != str(claims.get("sub")):
            raise _LoginFailed(
                self.error(request, 400, "Login failed", "The user info is for another user."),
                "sub_mismatch",
            )
        user, networks = from_claims({**claims, **info})
        await self.sessions.drop(request.session.get("sid"))
        request.session.clear()  # a fresh session at login (no fixation)
        sid = await self.sessions.create(
            asdict(user),
            [asdict(n) for n in networks],
            {"access_token": token["access_token"], "token_type": "Bearer"},
        )
        request.session.update(sid=sid, csrf=secrets.token_urlsafe(32))
        await self.load_login(request)
        return user

    async def logout(self, request: Request) -> Response:
        """Forget the session."""
        if not await self.csrf_ok(request):
            return self.error(request, 403, "Refused", "The form had no valid CSRF token.")
        state = self.login_state(request)
        await self.sessions.drop(request.session.get("sid"))
        request.session.clear()
        user_id = state.user.get("id") if state else None
        self.audit.record("logout", "ok", user_id=user_id, source=client_address(request))
        return RedirectResponse("/", status_code=303)

    # ------------------------------------------------------------------ requests


class _LoginFailed(Exception):
    """A login that did not complete: the page to show, and its kind for the audit log."""

    def __init__(self, response: HTMLResponse, reason: str) -> None:
        super().__init__(reason)
        self.response, self.reason = response, reason


def _oauth_reason(exc: Exception) -> str:
    """A short, safe reason: the error class and code, never a token."""
    parts = [str(getattr(exc, name, "") or "") for name in ("error", "description")]
    text = ": ".join(p for p in parts if p)
    return f"{type(exc).__name__}{': ' + text[:200] if text else ''}"
