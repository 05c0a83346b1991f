"""The portal's FastAPI app: PeeringDB login (OIDC code flow with PKCE, state and nonce), pages.

Sessions are signed cookies (HttpOnly, SameSite=Lax, Secure unless turned off for local
development); every POST carries the session's CSRF token; redirects only ever go to our own
fixed paths (no `next=` parameter, so no open redirects).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import jinja2
from authlib.integrations.starlette_client import OAuth
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.middleware.sessions import SessionMiddleware

from ztix.adapters.build import (
    build_forge,
    build_peeringdb,
    irr_resolvers,
    state_store,
    status_reader,
    workspace,
    zerotier_provider,
)
from ztix.adapters.http import Breaker
from ztix.errors import AdapterError, SettingsError, ValidationFailed
from ztix.load.loader import load_files
from ztix.models import Exchange
from ztix.portal.breakers import SharedBreakers, share_forever
from ztix.portal.errors import RequestRefused
from ztix.portal.forms import RequestHandlers
from ztix.portal.irrpreview import IrrPreviews
from ztix.portal.login import SCOPES, LoginHandlers
from ztix.portal.metrics import BacklogCollector, BreakerCollector
from ztix.portal.pages import PortalBase, client_address
from ztix.portal.sealed import Sealer
from ztix.portal.service import PortalService
from ztix.portal.sessions import LoginStateCache
from ztix.portal.settings import PortalSettings
from ztix.ports.state import StateStore, StoreError
from ztix.ports.status import BirdReader
from ztix.ports.zerotier import ZeroTierProvider
from ztix.render.ixf import ixf_export, ixf_text
from ztix.render.templates import TemplateSet, shipped
from ztix.service.httpmetrics import instrument
from ztix.settings.env import private_key
from ztix.status.lookingglass import PAGE

LOG = logging.getLogger("ztix.portal")
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


class Portal(LoginHandlers, RequestHandlers, PortalBase):
    """The portal's handlers over its dependencies (one instance per app)."""

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

    async def looking_glass(self, request: Request, asn: int) -> HTMLResponse:
        """The member's sessions and routes on each route server (its own networks only)."""
        checked = self.allowed(request, asn)
        if isinstance(checked, HTMLResponse):
            return checked
        page = request.query_params.get("page", "0")
        number = int(page) if page.isdigit() and int(page) < 100_000 else 0
        self.audit.record(
            "looking-glass",
            "read",
            user_id=checked[0].id,
            asn=asn,
            page=number,
            source=client_address(request),
        )
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

    async def readiness(self) -> list[str]:
        """What keeps this portal from doing its work: the store or the git remote not
        answering (each bounded by the page timeout)."""
        problems = []
        checks = (
            ("state store", self.store.ping()),
            ("git remote", asyncio.to_thread(self.service.workspace.reachable)),
        )
        for name, check in checks:
            try:
                await asyncio.wait_for(check, self.settings.page_timeout)
            except TimeoutError:
                problems.append(f"{name}: no answer in {self.settings.page_timeout:g} s")
            except AdapterError as exc:
                problems.append(f"{name}: {str(exc).splitlines()[0][:200]}")
        return problems

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


def create_app(
    settings: PortalSettings,
    *,
    service: PortalService | None = None,
    store: StateStore | None = None,
    oidc_transport: httpx.AsyncBaseTransport | None = None,
    templates: TemplateSet | None = None,
    breakers: dict[str, Breaker] | None = None,
) -> FastAPI:
    """Build the portal; tests pass a service, its store and an OIDC transport, entry points
    pass none of them.

    `breakers`: the remote services' breakers by name (built here with the portal's cool-down
    when the service is), watched by /metrics.
    """
    if service is not None and store is None:
        store = service.store
    store = store if store is not None else state_store(settings.store_location)
    holder: list[Portal] = []

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Requests pushed while the forge failed get their change request from this loop too
        # (besides the next view of their page), on whichever replica gets there first.
        tasks = [asyncio.create_task(_reconcile_forever(holder[0].service, settings))]
        if breakers:  # an outage one replica finds, every replica honours (ztix.portal.breakers)
            shared = SharedBreakers(holder[0].store, breakers)
            interval = min(5.0, settings.breaker_cooldown / 3)
            tasks.append(asyncio.create_task(share_forever(shared, interval)))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await holder[0].store.aclose()

    app = FastAPI(
        title="ZT-IX portal", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    breakers = breakers if breakers is not None else {}

    @app.middleware("http")
    async def login_state(request: Request, call_next: Any) -> Response:
        # Added before SessionMiddleware, so it runs inside it: the session cookie is read.
        portal = holder[0]
        if request.url.path in UNAUTHENTICATED:
            return await call_next(request)  # type: ignore[no-any-return]
        try:
            await portal.load_login(request)
        except StoreError:
            request.state.login = None
            return portal.error(
                request,
                503,
                "Unavailable",
                "The portal cannot read its state store just now; try again in a minute.",
            )
        return await call_next(request)  # type: ignore[no-any-return]

    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret.get_secret_value(),
        session_cookie="ztix_session",
        max_age=settings.session_max_age,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    if service is None:
        # A long-running process: after an outage each API is probed again, never given up on.
        breakers.update(
            peeringdb=Breaker(cooldown=settings.breaker_cooldown),
            forge=Breaker(cooldown=settings.breaker_cooldown),
        )
        service = _service(settings, store, breakers)
    portal = Portal(
        settings,
        service,
        _provider(settings, store, oidc_transport),
        _templates(templates or shipped()),
        store,
    )
    holder.append(portal)
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

    registry = instrument(app, "portal")
    registry.register(BreakerCollector(breakers))
    registry.register(BacklogCollector(portal.service))

    _routes(app, portal)
    return app


def _service(
    settings: PortalSettings, store: StateStore, breakers: dict[str, Breaker]
) -> PortalService:
    """The portal's use cases over the adapters built from its settings."""
    key = settings.peeringdb_api_key
    return PortalService(
        settings,
        workspace(settings.repo_url, settings.workdir, settings.main_branch),
        build_forge(settings, breakers["forge"]),
        build_peeringdb(
            settings.peeringdb_url, key.get_secret_value() if key else None, breakers["peeringdb"]
        ),
        store=store,
        irr=IrrPreviews(irr_resolvers(), settings.irr_timeout),
        reader=_status_reader(settings),
        zerotier=_zerotier_reader(settings),
    )


def _provider(
    settings: PortalSettings, store: StateStore, transport: httpx.AsyncBaseTransport | None
) -> Any:
    """PeeringDB's OpenID client; its pending logins (PKCE verifier, nonce) in the store."""
    sealer = Sealer(settings.session_secret.get_secret_value())
    oauth = OAuth(cache=LoginStateCache(store, sealer))
    client_kwargs: dict[str, Any] = {
        "scope": SCOPES,
        "code_challenge_method": "S256",  # PKCE, RFC 7636
        "token_endpoint_auth_method": "client_secret_post",  # what PeeringDB expects
        "timeout": 15.0,
    }
    if transport is not None:
        client_kwargs["transport"] = transport
    oauth.register(
        name="peeringdb",
        client_id=settings.client_id,
        client_secret=settings.client_secret.get_secret_value(),
        server_metadata_url=settings.issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs=client_kwargs,
    )
    return oauth.create_client("peeringdb")


def _routes(app: FastAPI, portal: Portal) -> None:
    """The portal's paths."""

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        # Liveness: the process answers. Whether it can do its work is /readyz.
        return JSONResponse({"ok": True})

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        # Readiness, for a load balancer: the state store and the git remote answer.
        problems = await portal.readiness()
        return JSONResponse({"ok": not problems, "problems": problems}, 503 if problems else 200)

    app.add_api_route("/", portal.index, methods=["GET"], response_class=HTMLResponse)
    app.add_api_route("/login", portal.login, methods=["GET"])
    app.add_api_route("/auth/callback", portal.callback, methods=["GET"])
    app.add_api_route("/logout", portal.logout, methods=["POST"])
    app.add_api_route("/asn/{asn}", portal.asn_page, methods=["GET"], response_class=HTMLResponse)
    app.add_api_route("/asn/{asn}/request", portal.request_change, methods=["POST"])
    app.add_api_route("/asn/{asn}/leave", portal.leave, methods=["POST"])
    app.add_api_route("/asn/{asn}/withdraw", portal.withdraw, methods=["POST"])
    app.add_api_route("/participants.json", portal.participants, methods=["GET"])
    app.add_api_route(
        "/asn/{asn}/looking-glass",
        portal.looking_glass,
        methods=["GET"],
        response_class=HTMLResponse,
    )


# Paths that never need the login (and must answer while the state store is down).
UNAUTHENTICATED = frozenset({"/healthz", "/readyz", "/metrics", "/participants.json"})


async def _reconcile_forever(service: PortalService, settings: PortalSettings) -> None:
    """Open missing change requests every reconcile_interval seconds, for the app's life."""
    while True:
        await asyncio.sleep(settings.reconcile_interval)
        try:
            opened = await service.reconcile()
        except (AdapterError, ValidationFailed) as exc:
            LOG.warning("reconcile: %s", str(exc).splitlines()[0])
            continue
        if opened:
            LOG.info("reconcile: opened %d change request(s)", opened)


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


def _status_reader(settings: PortalSettings) -> BirdReader | None:
    """The looking glass's reader with the read-only key (answers reused a while)."""
    key = private_key(
        settings.status_ssh_key, settings.status_ssh_key_file, "ZTIX_PORTAL_STATUS_SSH_KEY"
    )
    if key is None:
        return None
    return status_reader(key, ttl=settings.status_cache_seconds)
