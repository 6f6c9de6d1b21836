"""Speech & Text Analytics transcript URLs (presigned, about 10 minutes of validity)."""

from __future__ import annotations

from genesys_tui.core.ids import safe_id
from genesys_tui.genesys.errors import NotFound
from genesys_tui.genesys.http import ApiClient
from genesys_tui.genesys.modelbase import from_api
from genesys_tui.genesys.models import TranscriptUrl, TranscriptUrls


class Transcripts:
    def __init__(self, api: ApiClient):
        self.api = api

    def _path(self, conversation_id: str, communication_id: str) -> str:
        cid = safe_id(conversation_id, "conversation id")
        comm = safe_id(communication_id, "communication id")
        return f"/api/v2/speechandtextanalytics/conversations/{cid}/communications/{comm}"

    async def url(self, conversation_id: str, communication_id: str) -> TranscriptUrl:
        return from_api(
            TranscriptUrl,
            await self.api.get_json(
                self._path(conversation_id, communication_id) + "/transcripturl"
            ),
        )

    async def urls(self, conversation_id: str, communication_id: str) -> TranscriptUrls:
        return from_api(
            TranscriptUrls,
            await self.api.get_json(
                self._path(conversation_id, communication_id) + "/transcripturls"
            ),
        )

    async def analyzed(self, conversation_id: str) -> bool:
        """Whether Speech and Text Analytics has the conversation (GET …/conversations/{id}:
        its metrics; 404 when it was not transcribed)."""
        cid = safe_id(conversation_id, "conversation id")
        try:
            await self.api.get_json(f"/api/v2/speechandtextanalytics/conversations/{cid}")
        except NotFound:
            return False
        return True
