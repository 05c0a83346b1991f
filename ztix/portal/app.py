"""The portal's FastAPI app: PeeringDB login (OIDC code flow with PKCE, state and nonce), pages.

Sessions are signed cookies (HttpOnly, SameSite=Lax, Secure unless turned off for local
development); every POST carries the session's CSRF token; redirects only ever go to our own
fixed paths (no `next=` parameter, so no open redirects).
"""

from __future__ import annotations

import asyncio
import datetime
import hmac
import re
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, Literal

import httpx
import jinja2
from authlib.integrations.base_client.errors import MismatchingStateError
from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from joserfc.errors import JoseError
from starlette.middleware.sessions import SessionMiddleware

from ztix.changes.git import GitWorkspace
from ztix.changes.settings import build_forge
from ztix.commands.adapters import zerotier_provider
from ztix.errors import AdapterError, SettingsError, ValidationFailed
from ztix.irr.bgpq4 import bgpq4_resolver
from ztix.ixf import ixf_export, ixf_text
from ztix.loader import load_files
from ztix.models import Exchange
from ztix.peeringdb import PeeringDBClient
from ztix.portal.access import NetworkAccess, User, from_claims
from ztix.portal.audit import AuditLog
from ztix.portal.irrpreview import IrrPreviews
from ztix.portal.service import PortalService, RequestBusy, RequestRefused
from ztix.portal.sessions import LoggedIn, LoginStateCache, SessionStore
from ztix.portal.settings import PortalSettings
from ztix.ports import DeploySettings, ZeroTierProvider
from ztix.settings import private_key
from ztix.status.lookingglass import PAGE
from ztix.status.reader import SshBirdReader
from ztix.templateset import TemplateSet, shipped

SCOPES = "openid profile email networks"
EXPORT_TTL = 60.0  # seconds /participants.json is served from memory (it is public)
# The pages load nothing but their own inline style; forms post only to the portal; no page
# may be framed (clickjacking on the join and leave buttons).
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def _templates(templates: TemplateSet) -> jinja2.Environment:
    """The portal's pages (HTML: autoescaped), from the `portal/` area of the template set."""
    pages = {path.removeprefix("portal/"): text for path, text in templates.area("portal").items()}
    return TemplateSet(pages, templates.origins).environment(autoescape=True)


class Portal:
    """The portal's handlers over its dependencies (one instance per app)."""

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

    # ------------------------------------------------------------------ login
    async def index(self, request: Request) -> HTMLResponse:
        """The landing page, or the user's networks."""
        who = self.current(request)
        networks = who[1] if who else []
        refusals: dict[int, str] = {}
        if networks:
            try:  # said here, before anyone fills in a form
                refusals = await self.service.refusals([n.asn for n in networks if n.may_act])
            except AdapterError:
                refusals = {}
        return self.page("index.html", request, networks=networks, refusals=refusals)

    async def login(self, request: Request) -> Response:
        """Redirect to PeeringDB; authlib keeps state, nonce and PKCE verifier in the session."""
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
            self.audit.record("login", "failed", reason=failed.reason, source=_source(request))
            return failed.response
        self.audit.record("login", "ok", user_id=user.id, source=_source(request))
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
        self.sessions.drop(request.session.get("sid"))
        request.session.clear()  # a fresh session at login (no fixation)
        sid = self.sessions.create(
            asdict(user),
            [asdict(n) for n in networks],
            {"access_token": token["access_token"], "token_type": "Bearer"},
        )
        request.session.update(sid=sid, csrf=secrets.token_urlsafe(32))
        return user

    async def logout(self, request: Request) -> Response:
        """Forget the session."""
        if not await self.csrf_ok(request):
            return self.error(request, 403, "Refused", "The form had no valid CSRF token.")
        self.sessions.drop(request.session.get("sid"))
        request.session.clear()
        return RedirectResponse("/", status_code=303)

    # ------------------------------------------------------------------ requests
    async def asn_page(self, request: Request, asn: int) -> HTMLResponse:
        """The status of an ASN and the request forms."""
        checked = self.allowed(request, asn)
        if isinstance(checked, HTMLResponse):
            return checked
        try:
            view = await self.service.view(asn)
        except AdapterError as exc:
            return self.error(request, 502, "Unavailable", str(exc))
        return self.page(
            "asn.html", request, view=view, access=checked[1], form=None, form_errors=[]
        )

    async def looking_glass(self, request: Request, asn: int) -> HTMLResponse:
        """The member's sessions and routes on each route server (its own networks only)."""
        checked = self.allowed(request, asn)
        if isinstance(checked, HTMLResponse):
            return checked
        page = request.query_params.get("page", "0")
        number = int(page) if page.isdigit() and int(page) < 100_000 else 0
        try:
            peer, servers = await self.service.looking_glass(asn, number)
        except RequestRefused as exc:
            return self.error(request, exc.status, f"AS{asn}", str(exc))
        except AdapterError as exc:
            return self.error(request, 502, "Unavailable", str(exc))
        return self.page(
            "looking_glass.html", request, asn=asn, peer=peer, servers=servers, page=number,
            page_size=PAGE,
        )  # fmt: skip

    async def recheck(
        self, request: Request, asn: int
    ) -> tuple[User, NetworkAccess] | HTMLResponse:
        """CSRF, session access, PeeringDB's current permission, and the rate limit."""
        if not await self.csrf_ok(request):
            return self.error(
                request,
                403,
                "Refused",
                "The form had no valid CSRF token; reload the page and try again.",
            )
        checked = self.allowed(request, asn)
        if isinstance(checked, HTMLResponse):
            return checked
        user = checked[0]
        try:  # the permission is checked again now, not only at login
            state = self.login_state(request)
            info = await self.provider.userinfo(token=state.token if state else None)
        except (OAuthError, httpx.HTTPError):
            return self.error(request, 401, "Log in again", "Your PeeringDB login has expired.")
        access = next((n for n in from_claims(info)[1] if n.asn == asn), None)
        if access is None or not access.may_act:
            why = access.why if access else "no affiliation"
            return self.error(
                request, 403, f"AS{asn}", f"PeeringDB no longer lets you act for AS{asn}: {why}."
            )
        recent = self.submissions.setdefault(user.id, deque())
        now = time.monotonic()
        while recent and now - recent[0] > 3600:
            recent.popleft()
        if len(recent) >= self.settings.submissions_per_hour:
            return self.error(
                request,
                429,
                "Too many requests",
                "You have sent many requests in the last hour; please wait before sending another.",
            )
        return user, access

    async def submit(
        self, request: Request, asn: int, action: Literal["join", "leave"]
    ) -> Response:
        """Open (or update) the change for `asn`."""
        checked = await self.recheck(request, asn)
        if isinstance(checked, HTMLResponse):
            return checked
        user, access = checked
        form = await request.form()
        who = (user, asn, action)
        # Every request the service looks at counts against the hourly limit; one refused
        # because another for the ASN is in progress (409) was not looked at, so it does not.
        try:
            try:
                change = await self.service.submit(
                    user,
                    access,
                    action,
                    node_id=str(form.get("node_id", "")),
                    contact=str(form.get("contact", "")),
                )
            finally:
                self.submissions.setdefault(user.id, deque()).append(time.monotonic())
        except (RequestRefused, ValidationFailed, AdapterError) as exc:
            return await self._not_sent(request, who, form, exc)
        self._audit_request(request, who, "submitted", change=change.where)
        return self.page("submitted.html", request, asn=asn, change=change, action=action)

    async def _not_sent(
        self, request: Request, who: tuple[User, int, str], form: Any, exc: Exception
    ) -> HTMLResponse:
        """The answer to a request that was not sent: by the error's type."""
        user, asn, action = who
        if isinstance(exc, RequestBusy):
            self.submissions[user.id].pop()  # not looked at: not counted
            return self._refused(request, who, exc)
        if isinstance(exc, RequestRefused) and action != "join":
            return self._refused(request, who, exc)
        if isinstance(exc, RequestRefused):
            self._audit_request(request, who, "refused", reason=str(exc)[:200])
            return await self._form_again(request, asn, form, [in_words(str(exc))])
        if isinstance(exc, ValidationFailed):
            self._audit_request(request, who, "refused", reason="validation")
            problems = [
                in_words(f"{p.field}: {p.message}" if p.field else p.message) for p in exc.problems
            ]
            return await self._form_again(request, asn, form, problems)
        self._audit_request(request, who, "failed", reason=type(exc).__name__)
        return self.error(request, 502, "Request not sent", str(exc))

    async def participants(self, request: Request) -> Response:
        """The IX-F member export of main (no login), rebuilt at most once a minute."""
        now = time.monotonic()
        if self._export is None or now - self._export[0] > EXPORT_TTL:
            try:
                files, committed = await asyncio.to_thread(self.service.workspace.main_files)
                repo = load_files(files)
                stamp = datetime.datetime.fromtimestamp(committed, datetime.UTC)
                text = ixf_text(
                    ixf_export(
                        repo.exchange.model,
                        [p.model for p in repo.peers],
                        stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    )
                )
            except (AdapterError, ValidationFailed, SettingsError) as exc:
                return self.error(request, 503, "Export unavailable", str(exc).splitlines()[0])
            self._export = (now, text)
        return Response(self._export[1], media_type="application/json")

    async def _form_again(
        self, request: Request, asn: int, form: Any, problems: list[str]
    ) -> HTMLResponse:
        """The ASN page again, with the member's input and what is wrong, field by field."""
        try:
            view = await self.service.view(asn)
        except AdapterError as exc:
            return self.error(request, 502, "Request not sent", str(exc), problems)
        checked = self.allowed(request, asn)
        access = None if isinstance(checked, HTMLResponse) else checked[1]
        values = {"node_id": str(form.get("node_id", "")), "contact": str(form.get("contact", ""))}
        return self.page(
            "asn.html", request, 400, view=view, access=access, form=values,
            form_errors=problems,
        )  # fmt: skip

    def _refused(
        self, request: Request, who: tuple[User, int, str], exc: RequestRefused
    ) -> HTMLResponse:
        self._audit_request(request, who, "refused", reason=str(exc)[:200])
        return self.error(request, exc.status, "Request not sent", str(exc))

    def _audit_request(
        self, request: Request, who: tuple[User, int, str], outcome: str, **extra: str
    ) -> None:
        user, asn, action = who
        self.audit.record(
            "request",
            outcome,
            user_id=user.id,
            asn=asn,
            action=action,
            source=_source(request),
            **extra,
        )

    async def request_change(self, request: Request, asn: int) -> Response:
        """Join or update."""
        return await self.submit(request, asn, "join")

    async def leave(self, request: Request, asn: int) -> Response:
        """Leave, once confirmed on the form."""
        form = await request.form()
        if form.get("confirm") != "yes":
            return self.error(
                request,
                400,
                "Not sent",
                f"Tick the box that confirms AS{asn} leaves the exchange, then send again.",
            )
        return await self.submit(request, asn, "leave")


def create_app(
    settings: PortalSettings,
    *,
    service: PortalService | None = None,
    oidc_transport: httpx.AsyncBaseTransport | None = None,
    templates: TemplateSet | None = None,
) -> FastAPI:
    """Build the portal; tests pass a service and an OIDC transport, entry points pass neither."""
    app = FastAPI(title="ZT-IX portal", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret.get_secret_value(),
        session_cookie="ztix_session",
        max_age=settings.session_max_age,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    if service is None:
        key = settings.peeringdb_api_key
        service = PortalService(
            settings,
            GitWorkspace(settings.repo_url, settings.workdir, settings.main_branch),
            build_forge(settings),
            PeeringDBClient(settings.peeringdb_url, key.get_secret_value() if key else None),
            irr=IrrPreviews(bgpq4_resolver, settings.irr_timeout),
            reader=_status_reader(settings),
            zerotier=_zerotier_reader(settings),
        )
    oauth = OAuth(cache=LoginStateCache())
    client_kwargs: dict[str, Any] = {
        "scope": SCOPES,
        "code_challenge_method": "S256",  # PKCE, RFC 7636
        "token_endpoint_auth_method": "client_secret_post",  # what PeeringDB expects
        "timeout": 15.0,
    }
    if oidc_transport is not None:
        client_kwargs["transport"] = oidc_transport
    oauth.register(
        name="peeringdb",
        client_id=settings.client_id,
        client_secret=settings.client_secret.get_secret_value(),
        server_metadata_url=settings.issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs=client_kwargs,
    )
    portal = Portal(
        settings, service, oauth.create_client("peeringdb"), _templates(templates or shipped())
    )
    app.state.portal = portal

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        # Every page is per-user and dynamic; none may be framed, cached or leak its URL.
        response: Response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    app.add_api_route("/", portal.index, methods=["GET"], response_class=HTMLResponse)
    app.add_api_route("/login", portal.login, methods=["GET"])
    app.add_api_route("/auth/callback", portal.callback, methods=["GET"])
    app.add_api_route("/logout", portal.logout, methods=["POST"])
    app.add_api_route("/asn/{asn}", portal.asn_page, methods=["GET"], response_class=HTMLResponse)
    app.add_api_route("/asn/{asn}/request", portal.request_change, methods=["POST"])
    app.add_api_route("/asn/{asn}/leave", portal.leave, methods=["POST"])
    app.add_api_route("/participants.json", portal.participants, methods=["GET"])
    app.add_api_route(
        "/asn/{asn}/looking-glass",
        portal.looking_glass,
        methods=["GET"],
        response_class=HTMLResponse,
    )
    return app


def _zerotier_reader(settings: PortalSettings) -> Callable[[Exchange], ZeroTierProvider] | None:
    """Builds a provider per status read from ix.yaml, with the portal's token (or None)."""
    token = settings.zerotier_token_value()
    if token is None:
        return None

    def build(exchange: Exchange) -> ZeroTierProvider:
        # Short bounds: a page view waits for this.
        return zerotier_provider(
            exchange, token, api_url=settings.zerotier_api_url, timeout=5, give_up=5, concurrency=2
        )

    return build


def _status_reader(settings: PortalSettings) -> SshBirdReader | None:
    """The looking glass's reader with the read-only key (answers reused a while)."""
    key = private_key(
        settings.status_ssh_key, settings.status_ssh_key_file, "ZTIX_PORTAL_STATUS_SSH_KEY"
    )
    if key is None:
        return None
    return SshBirdReader(key, DeploySettings(), ttl=settings.status_cache_seconds)


class _LoginFailed(Exception):
    """A login that did not complete: the page to show, and its kind for the audit log."""

    def __init__(self, response: HTMLResponse, reason: str) -> None:
        super().__init__(reason)
        self.response, self.reason = response, reason


# What the peer file's fields are called on the form, for messages a member reads.
FIELD_WORDS = (
    (re.compile(r"connections(?:\[\d+\]|\.\d+)\.zerotier_node_id"), "ZeroTier node id"),
    (re.compile(r"(?<![\w.@])contact(?=:)"), "NOC e-mail address"),
    (re.compile(r"connections(?:\[\d+\]|\.\d+)\.ipv4"), "IPv4 peering address"),
    (re.compile(r"connections(?:\[\d+\]|\.\d+)\.ipv6"), "IPv6 peering address"),
    (re.compile(r"max_prefix\.ipv([46])"), r"IPv\1 max-prefix limit"),
)


def in_words(message: str) -> str:
    """A validation message with the peer file's field names as the form calls them."""
    for pattern, words in FIELD_WORDS:
        message = pattern.sub(words, message)
    return message


def _source(request: Request) -> str | None:
    """The client's address as the portal sees it (the proxy's, unless it passes it on)."""
    return request.client.host if request.client else None


def _oauth_reason(exc: Exception) -> str:
    """A short, safe reason: the error class and code, never a token."""
    parts = [str(getattr(exc, name, "") or "") for name in ("error", "description")]
    text = ": ".join(p for p in parts if p)
    return f"{type(exc).__name__}{': ' + text[:200] if text else ''}"
