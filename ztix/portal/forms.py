"""Join, update and leave requests: the ASN page, the checks before a request is sent, the answer
when it is not sent (the form again, fields in words), the audit trail."""

from __future__ import annotations

import re
from typing import Any, Literal

import httpx
from authlib.integrations.starlette_client import OAuthError
from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from ztix.errors import AdapterError, ValidationFailed
from ztix.portal.access import NetworkAccess, User, from_claims
from ztix.portal.errors import RequestBusy, RequestRefused
from ztix.portal.pages import PortalBase, client_address
from ztix.ports.forge import ChangeInfo

# A form's request key is remembered this long (a retry after that is a new request).
REQUEST_KEY_TTL = 86400.0
_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _request_key(asn: int, given: str) -> str | None:
    """The store key of a form's request key, None when the form carried none (or junk)."""
    return f"request:{asn}:{given}" if _KEY.fullmatch(given) else None


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
        source = client_address(request) or "unknown"
        limits = (
            (f"user:{user.id}", self.settings.submissions_per_hour),
            (f"ip:{source}", self.settings.submissions_per_hour_per_address),
        )
        for counted, (subject, limit) in enumerate(limits):
            if await self.throttled(request, "submit", subject, limit):
                for earlier, _ in limits[:counted]:
                    await self.store.unhit(f"rate:submit:{earlier}")
                return self.error(
                    request,
                    429,
                    "Too many requests",
                    "Many requests were sent in the last hour; please wait before sending another.",
                )
        return user, access

    async def _uncount(self, request: Request, user: User) -> None:
        """Take back the counts of a request that was not looked at (busy, or a repeat)."""
        source = client_address(request) or "unknown"
        for subject in (f"user:{user.id}", f"ip:{source}"):
            await self.store.unhit(f"rate:submit:{subject}")

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
        # The form's request key makes a form sent twice (a double click, a retry after a
        # timeout, on any replica) one request: the second is answered with the first's result.
        key = _request_key(asn, str(form.get("request_id", "")))
        if key is not None and not await self.store.add(
            key, self.sealer.seal({"state": "sending"}), REQUEST_KEY_TTL
        ):
            await self._uncount(request, user)
            return await self._repeated(request, who, key)
        # Every request the service looks at counts against the hourly limits; one refused
        # because another for the ASN is in progress (409) was not looked at, so it does not.
        try:
            change = await self.service.submit(
                user,
                access,
                action,
                node_id=str(form.get("node_id", "")),
                contact=str(form.get("contact", "")),
                replace=form.get("replace") == "yes",
            )
        except RequestBusy as exc:
            await self._forget(key)
            await self._uncount(request, user)
            return self._refused(request, who, exc)
        except (RequestRefused, ValidationFailed, AdapterError) as exc:
            await self._forget(key)
            return await self._not_sent(request, who, form, exc)
        if key is not None:
            result = {"state": "sent", "where": change.where, "url": change.url}
            await self.store.put(key, self.sealer.seal(result), REQUEST_KEY_TTL)
        outcome = "submitted" if change.state == "open" else "saved"
        self._audit_request(request, who, outcome, change=change.where)
        return self.page("submitted.html", request, asn=asn, change=change, action=action)

    async def _forget(self, key: str | None) -> None:
        """A request that was not sent: its key may be used again (the member fixes the form)."""
        if key is not None:
            await self.store.delete(key)

    async def _repeated(
        self, request: Request, who: tuple[User, int, str], key: str
    ) -> HTMLResponse:
        """The answer to a form sent again: the first sending's result, or that it runs."""
        _, asn, action = who
        found = self.sealer.open(await self.store.get(key)) or {}
        self._audit_request(request, who, "repeated", reason=str(found.get("state", "unknown")))
        if found.get("state") == "sent":
            change = ChangeInfo("open", url=str(found.get("url", "")), label=str(found["where"]))
            return self.page(
                "submitted.html", request, asn=asn, change=change, action=action, repeated=True
            )
        return self.error(
            request,
            409,
            "Already being sent",
            "This form was sent already and is being processed; reload the page in a moment.",
        )

    async def withdraw(self, request: Request, asn: int) -> Response:
        """Withdraw the pending request, once confirmed on the form."""
        checked = await self.recheck(request, asn)
        if isinstance(checked, HTMLResponse):
            return checked
        user, access = checked
        who = (user, asn, "withdraw")
        form = await request.form()
        if form.get("confirm") != "yes":
            await self._uncount(request, user)
            return self.error(
                request, 400, "Not sent", "Tick the box that confirms the withdrawal, then send."
            )
        try:
            await self.service.withdraw(user, access)
        except RequestRefused as exc:
            return self._refused(request, who, exc)
        except AdapterError as exc:
            self._audit_request(request, who, "failed", reason=type(exc).__name__)
            return self.error(request, 502, "Not withdrawn", str(exc))
        self._audit_request(request, who, "withdrawn")
        return self.page("withdrawn.html", request, asn=asn)

    async def _not_sent(
        self, request: Request, who: tuple[User, int, str], form: Any, exc: Exception
    ) -> HTMLResponse:
        """The answer to a request that was not sent: by the error's type."""
        _, asn, action = who
        if isinstance(exc, RequestRefused) and (action != "join" or isinstance(exc, RequestBusy)):
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
