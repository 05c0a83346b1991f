"""What every portal page shares: the login state, rendering, errors, CSRF and who may act
for which network."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from ztix.portal.access import NetworkAccess, User
from ztix.portal.audit import AuditLog
from ztix.portal.sealed import Sealer
from ztix.portal.service import PortalService
from ztix.portal.sessions import LoggedIn, Sessions
from ztix.portal.settings import PortalSettings
from ztix.ports.state import StateStore


class PortalBase:
    """The portal's state and the helpers its handlers share (one instance per app)."""

    def __init__(
        self,
        settings: PortalSettings,
        service: PortalService,
        provider: Any,
        env: jinja2.Environment,
        store: StateStore,
    ) -> None:
        self.settings = settings
        self.service = service
        self.provider = provider
        self.env = env
        self.store = store
        self.sealer = Sealer(settings.session_secret.get_secret_value())
        self.sessions = Sessions(store, self.sealer, settings.session_max_age)
        self._export: tuple[float, str] | None = None
        self.audit = AuditLog(settings.audit_log)
        self.audit.check()

    async def load_login(self, request: Request) -> None:
        """Read this browser's login from the store once per request (see login_state)."""
        request.state.login = await self.sessions.get(request.session.get("sid"))

    def login_state(self, request: Request) -> LoggedIn | None:
        """The server-side state of this browser's login, if any (read by load_login)."""
        found: LoggedIn | None = getattr(request.state, "login", None)
        return found

    # ------------------------------------------------------------------ helpers
    def page(self, name: str, request: Request, status: int = 200, **context: Any) -> HTMLResponse:
        """Render a page with the session's user and CSRF token."""
        state = self.login_state(request)
        html = self.env.get_template(name).render(
            user=state.user if state else None,
            csrf=request.session.get("csrf", ""),
            # a new key per form shown: the same form sent twice is one request (forms.py)
            request_id=secrets.token_urlsafe(18),
            **context,
        )
        return HTMLResponse(html, status_code=status)

    def error(
        self,
        request: Request,
        status: int,
        title: str,
        message: str,
        problems: list[str] | None = None,
    ) -> HTMLResponse:
        """An error page that says what happened and what to do."""
        extra = {"problems": problems} if problems else {}
        return self.page("error.html", request, status, title=title, message=message, **extra)

    def current(self, request: Request) -> tuple[User, list[NetworkAccess]] | None:
        """The logged-in user and their networks."""
        state = self.login_state(request)
        if state is None:
            return None
        return User(**state.user), [NetworkAccess(**n) for n in state.networks]

    async def csrf_ok(self, request: Request) -> bool:
        """Whether the form carries this session's CSRF token (a refusal is audited)."""
        form = await request.form()
        given = str(form.get("csrf", ""))
        expected = str(request.session.get("csrf", ""))
        if bool(expected) and hmac.compare_digest(given.encode(), expected.encode()):
            return True
        state = self.login_state(request)
        self.audit.record(
            "csrf",
            "refused",
            user_id=state.user.get("id") if state else None,
            path=request.url.path,
            source=client_address(request),
        )
        return False

    def allowed(self, request: Request, asn: int) -> tuple[User, NetworkAccess] | HTMLResponse:
        """The user and their access to `asn`, or the page that says why not."""
        who = self.current(request)
        if who is None:
            return self.error(request, 401, "Log in first", "Log in with PeeringDB to continue.")
        user, networks = who
        access = next((n for n in networks if n.asn == asn), None)
        if access is None:
            self.denied(request, user.id, asn, "not affiliated")
            return self.error(
                request,
                403,
                f"AS{asn}",
                f"Your PeeringDB account is not "
                f"affiliated with AS{asn}; ask its organisation to add you at "
                "PeeringDB.",
            )
        if not access.may_act:
            self.denied(request, user.id, asn, access.why)
            return self.error(
                request, 403, f"AS{asn}", f"You may not act for AS{asn}: {access.why}."
            )
        return user, access

    def denied(self, request: Request, user_id: int | None, asn: int | None, why: str) -> None:
        """An access refused, in the audit trail (who, for which network, why, from where)."""
        self.audit.record(
            "access",
            "denied",
            user_id=user_id,
            asn=asn,
            path=request.url.path,
            reason=why[:200],
            source=client_address(request),
        )

    async def throttled(self, request: Request, kind: str, subject: str, limit: int) -> bool:
        """Whether `subject` (a user or an address) used up `kind`'s hourly or per-minute
        allowance; every refusal goes to the audit trail. Counts the request when not."""
        window = 60.0 if kind == "login" else 3600.0
        if await self.store.hit(f"rate:{kind}:{subject}", window, limit):
            return False
        self.audit.record(
            "rate-limit",
            "refused",
            kind=kind,
            subject=subject,
            path=request.url.path,
            source=client_address(request),
        )
        return True


def client_address(request: Request) -> str | None:
    """The client's address as the portal sees it (the proxy's, unless it passes it on)."""
    return request.client.host if request.client else None
