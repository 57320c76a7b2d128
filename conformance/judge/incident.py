"""The incident record of THK-14-REPORT: what an operator reports to the transmission
operator when one of its terminals is involved in an incident, and what the SM system
needs to find the terminal to cut off and later reconnect.

THK seed ch. 14 (1) 別表1 「利用事業者の通報内容」 lists, by where the incident happened:

    通信回線（NW）サービス   MDMS           事業者名（お客さま名称）、事業者ID
                             無線端末       事業者名（お客さま名称）、事業者ID、無線端末ID
    自動検針（Web）サービス  利用事業者PC   事業者名（お客さま名称）、事業者ID、SSL-VPNユーザ名
                             無線端末       事業者名（お客さま名称）、事業者ID、無線端末ID

The 無線端末ID is the terminal's authentication ID (NAT seed 2-5 ※3 「認証ID(無線端末ID)」),
the name under which the SM system knows, invalidates and re-enables it (別表2). A record
is built from the declaration's operator and the terminal ID as read from the terminal,
and serialised to JSON for the report; ``missing()`` names the fields it lacks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from conformance.ics import Operator

CLAUSE = "THK seed ch. 14 (1) 別表1"


class Service(StrEnum):
    NETWORK = "通信回線（NW）サービス"
    WEB = "自動検針（Web）サービス"


class Location(StrEnum):
    """Where the incident happened (インシデント発生箇所)."""

    MDMS = "MDMS"
    TERMINAL = "無線端末"
    OPERATOR_PC = "利用事業者PC"


# 別表1: the fields each location's report must carry, with the guideline's names.
LABELS = {
    "company_name": "事業者名（お客さま名称）",
    "company_id": "事業者ID",
    "terminal_id": "無線端末ID",
    "ssl_vpn_user": "SSL-VPNユーザ名",
}
REQUIRED = {
    Location.MDMS: ("company_name", "company_id"),
    Location.TERMINAL: ("company_name", "company_id", "terminal_id"),
    Location.OPERATOR_PC: ("company_name", "company_id", "ssl_vpn_user"),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class IncidentRecord:
    service: Service
    location: Location
    company_name: str
    company_id: str
    terminal_id: str | None = None
    ssl_vpn_user: str | None = None
    event: str  # 発生事象, in a few words
    occurred_at: datetime  # by the SM system's clock

    def missing(self) -> list[str]:
        """The 別表1 fields this record's location needs and lacks, by their Japanese names."""
        return [LABELS[name] for name in REQUIRED[self.location] if not (getattr(self, name) or "").strip()]

    def as_json(self) -> dict[str, object]:
        fields = {name: getattr(self, name) for name in REQUIRED[self.location]}
        return {
            "clause": CLAUSE,
            "service": str(self.service),
            "location": str(self.location),
            **fields,
            "labels": {name: LABELS[name] for name in fields},
            "event": self.event,
            "occurred_at": self.occurred_at.isoformat(),
        }

    def to_json(self) -> str:
        return json.dumps(self.as_json(), ensure_ascii=False, indent=2) + "\n"


def terminal_incident(
    operator: Operator,
    terminal_id: str,
    *,
    event: str,
    occurred_at: datetime,
    service: Service = Service.NETWORK,
) -> IncidentRecord:
    """The report of an incident at one of the operator's terminals."""
    return IncidentRecord(
        service=service,
        location=Location.TERMINAL,
        company_name=operator.company_name,
        company_id=operator.company_id,
        terminal_id=terminal_id,
        event=event,
        occurred_at=occurred_at,
    )
