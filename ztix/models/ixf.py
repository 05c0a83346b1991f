"""What the IX-F member export (Euro-IX JSON schema 1.0) says about the exchange itself."""

from typing import Annotated

from pydantic import Field

from ztix.models.base import Strict
from ztix.models.fields import Email, Int, Text, Url

Id = Annotated[Int, Field(ge=1, le=2**31 - 1)]
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2, e.g. DE")]


class IxfExport(Strict):
    """The exchange's identifiers and contacts in the IX-F export (`ztix export ixf`)."""

    ixf_id: Id | None = Field(
        default=None,
        description="the exchange's id in the IX-F database (IXPDB); the export needs it",
    )
    peeringdb_id: Id | None = Field(
        default=None, description="the exchange's PeeringDB ix id (https://www.peeringdb.com/ix/N)"
    )
    ixp_id: Id = Field(default=1, description="the exchange's own id for itself in the export")
    vlan_id: Id = Field(default=1, description="the id the export gives the peering LAN")
    country: Country | None = None
    website: Url | None = None
    support_email: Email | None = None
    support_phone: Text | None = None
    support_contact_hours: Text | None = Field(default=None, description="e.g. 24/7 or 8/5")
    emergency_email: Email | None = None
    emergency_phone: Text | None = None
    emergency_contact_hours: Text | None = None
