"""Why the portal does not send a request; each maps to its HTTP status by type."""

from __future__ import annotations

from ztix.errors import ZtixError


class RequestRefused(ZtixError):
    """The request cannot be made; the message says why and what to do."""

    status = 400  # the HTTP status the portal answers with


class RequestBusy(RequestRefused):
    """A request for the same ASN is being processed; this one was not looked at."""

    status = 409


class NeedsConfirmation(RequestRefused):
    """The request would replace a pending request of another kind; the member must confirm."""

    status = 409
