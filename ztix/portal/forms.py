"""Join, update and leave requests: the ASN page, the checks before a request is sent, the answer
when it is not sent (the form again, fields in words), the audit trail."""

from __future__ import annotations

import re
import time
from collections import deque
from typing import Any, Literal

import httpx
from authlib.integrations.starlette_client import OAuthError
from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from ztix.errors import AdapterError, ValidationFailed
from ztix.portal.access import NetworkAccess, User, from_claims
from ztix.portal.errors import RequestBusy, RequestRefused
from ztix.portal.pages import PortalBase, client_address


class RequestHandlers(PortalBase):
    """/asn/<asn>, /asn/<asn>/request and /asn/<asn>/leave."""

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
            change = await self.service.submit(
                user,
                access,
                action,
                node_id=str(form.get("node_id", "")),
                contact=str(form.get("contact", "")),
            )
        except RequestBusy as exc:
            return self._refused(request, who, exc)  # not looked at: not counted
        except (RequestRefused, ValidationFailed, AdapterError) as exc:
            self.submissions.setdefault(user.id, deque()).append(time.monotonic())
            return await self._not_sent(request, who, form, exc)
        self.submissions.setdefault(user.id, deque()).append(time.monotonic())
        self._audit_request(request, who, "submitted", change=change.where)
        return self.page("submitted.html", request, asn=asn, change=change, action=action)

    async def _not_sent(
        self, request: Request, who: tuple[User, int, str], form: Any, exc: Exception
    ) -> HTMLResponse:
        """The answer to a request that was not sent: by the error's type."""
        _, asn, action = who
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
            source=client_address(request),
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
