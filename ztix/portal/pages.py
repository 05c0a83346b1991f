"""What every portal page shares: the login state, rendering, errors, CSRF and who may act
for which network."""

from __future__ import annotations

import hmac
from collections import deque
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from ztix.portal.access import NetworkAccess, User
from ztix.portal.audit import AuditLog
from ztix.portal.service import PortalService
from ztix.portal.sessions import LoggedIn, SessionStore
from ztix.portal.settings import PortalSettings


class PortalBase:
    """The portal's state and the helpers its handlers share (one instance per app)."""

    def __init__(
        self,
        settings: PortalSettings,
        service: PortalService,
        provider: Any,
        env: jinja2.Environment,
    ) -> None:
        self.settings = settings
        self.service = service
        self.provider = provider
        self.env = env
        self.submissions: dict[int, deque[float]] = {}
        self.sessions = SessionStore(settings.session_max_age)
        self._export: tuple[float, str] | None = None
        self.audit = AuditLog(settings.audit_log)

    def login_state(self, request: Request) -> LoggedIn | None:
        """The server-side state of this browser's login, if any."""
        return self.sessions.get(request.session.get("sid"))

    # ------------------------------------------------------------------ helpers
    def page(self, name: str, request: Request, status: int = 200, **context: Any) -> HTMLResponse:
        """Render a page with the session's user and CSRF token."""
        state = self.login_state(request)
        html = self.env.get_template(name).render(
            user=state.user if state else None, csrf=request.session.get("csrf", ""), **context
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

    @staticmethod
    async def csrf_ok(request: Request) -> bool:
        """Whether the form carries this session's CSRF token."""
        form = await request.form()
        given = str(form.get("csrf", ""))
        expected = str(request.session.get("csrf", ""))
        return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())

    def allowed(self, request: Request, asn: int) -> tuple[User, NetworkAccess] | HTMLResponse:
        """The user and their access to `asn`, or the page that says why not."""
        who = self.current(request)
        if who is None:
            return self.error(request, 401, "Log in first", "Log in with PeeringDB to continue.")
        user, networks = who
        access = next((n for n in networks if n.asn == asn), None)
        if access is None:
            return self.error(
                request,
                403,
                f"AS{asn}",
                f"Your PeeringDB account is not "
                f"affiliated with AS{asn}; ask its organisation to add you at "
                "PeeringDB.",
            )
        if not access.may_act:
            return self.error(
                request, 403, f"AS{asn}", f"You may not act for AS{asn}: {access.why}."
            )
        return user, access


def client_address(request: Request) -> str | None:
    """The client's address as the portal sees it (the proxy's, unless it passes it on)."""
    return request.client.host if request.client else None
