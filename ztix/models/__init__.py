"""The data model, frozen and strict: the exchange (`ix.yaml`), a member
(`peers/AS<asn>.yaml`) and its generated IRR data (`irr/AS<asn>.yaml`).

The files are read once, at the edge (ztix.load.loader), into these models; everything after takes
models. This package's names are its public API: `from ztix.models import Exchange, Peer`.
"""

from ztix.models.base import Strict
from ztix.models.exchange import (
    TRANSIT_FREE_ASNS,
    BlackholeNextHop,
    Exchange,
    FamilyPolicy,
    OperatorNode,
    PeeringLan,
    Policy,
    RouteServer,
    Rpki,
    RtrServer,
    Sentinel,
    Sessions,
    ZeroTier,
)
from ztix.models.irr import Irr, IrrData, IrrServer
from ztix.models.ixf import IxfExport
from ztix.models.peer import Connection, MaxPrefix, Peer, PeerSessions, RequestedBy

__all__ = [
    "TRANSIT_FREE_ASNS",
    "BlackholeNextHop",
    "Connection",
    "Exchange",
    "FamilyPolicy",
    "Irr",
    "IrrData",
    "IrrServer",
    "IxfExport",
    "MaxPrefix",
    "OperatorNode",
    "Peer",
    "PeerSessions",
    "PeeringLan",
    "Policy",
    "RequestedBy",
    "RouteServer",
    "Rpki",
    "RtrServer",
    "Sentinel",
    "Sessions",
    "Strict",
    "ZeroTier",
]
