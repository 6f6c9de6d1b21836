"""The org's "AWS S3 Recording Bulk Actions" integration, which an EXPORT recording job names as
its `integrationId` (addendum 6: `GET /api/v2/integrations?integrationType=…&reportedState=…`,
permission integrations:integration:view; only one may be active per org)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from genesys_tui.genesys.http import ApiClient
from genesys_tui.genesys.paging import entities

S3_BULK_ACTIONS = "aws-s3-recording-bulk-actions-integration"


@dataclass(frozen=True)
class Integration:
    id: str
    name: str
    type_id: str
    state: str  # reportedState.code: ACTIVE, ACTIVATING, INACTIVE, DEACTIVATING, ERROR

    @classmethod
    def from_api(cls, d: dict[str, Any]) -> Integration:
        kind = d.get("integrationType") if isinstance(d.get("integrationType"), dict) else {}
        reported = d.get("reportedState") if isinstance(d.get("reportedState"), dict) else {}
        return cls(
            str(d.get("id") or ""),
            str(d.get("name") or ""),
            str(kind.get("id") or ""),
            str(reported.get("code") or ""),
        )


class Integrations:
    def __init__(self, api: ApiClient):
        self.api = api

    async def active_of_type(self, type_id: str, *, page_size: int = 25) -> list[Integration]:
        """Every ACTIVE integration of one type, all pages."""
        params = {"integrationType": type_id, "reportedState": "ACTIVE"}
        found = [
            Integration.from_api(e)
            async for e in entities(self.api, "/api/v2/integrations", params, page_size)
        ]
        return [i for i in found if i.id and i.type_id == type_id]  # a server ignoring the filter
