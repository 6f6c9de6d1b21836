"""A recording's annotations (addendum 3): the system's (pauses, holds) and people's bookmarks.
`GET …/annotations` is a bare array; `POST` creates or updates a bookmark, `PUT …/{id}` the same by
id, `DELETE …/{id}` removes it. A bookmark's description is at most 500 characters."""

from __future__ import annotations

from genesys_tui.core.ids import safe_id
from genesys_tui.genesys.http import ApiClient
from genesys_tui.genesys.modelbase import from_api
from genesys_tui.genesys.models import Annotation

MAX_DESCRIPTION = 500
BOOKMARK = "Bookmark"  # the type's literal is UNCONFIRMED (addendum 3)


def _path(conversation_id: str, recording_id: str) -> str:
    cid = safe_id(conversation_id, "conversation id")
    rid = safe_id(recording_id, "recording id")
    return f"/api/v2/conversations/{cid}/recordings/{rid}/annotations"


class Annotations:
    def __init__(self, api: ApiClient) -> None:
        self.api = api

    async def list(self, conversation_id: str, recording_id: str) -> list[Annotation]:
        data = await self.api.get_json(_path(conversation_id, recording_id))
        rows = data if isinstance(data, list) else []
        return [from_api(Annotation, r) for r in rows if isinstance(r, dict)]

    async def bookmark(
        self,
        conversation_id: str,
        recording_id: str,
        location_ms: int,
        name: str,
        description: str = "",
        annotation_id: str | None = None,
    ) -> Annotation:
        """Create a bookmark (or update the one with `annotation_id`)."""
        body = {
            "name": name[:250],
            "type": BOOKMARK,
            "location": max(0, int(location_ms)),
            "durationMs": 0,
            "description": description[:MAX_DESCRIPTION],
        }
        path = _path(conversation_id, recording_id)
        if annotation_id:
            aid = safe_id(annotation_id, "annotation id")
            resp = await self.api.request("PUT", f"{path}/{aid}", json=body, ok=(200, 201))
            data = resp.json()
        else:
            data = await self.api.post_json(path, body, ok=(200, 201))
        return from_api(Annotation, data if isinstance(data, dict) else {})

    async def delete(self, conversation_id: str, recording_id: str, annotation_id: str) -> None:
        aid = safe_id(annotation_id, "annotation id")
        path = f"{_path(conversation_id, recording_id)}/{aid}"
        await self.api.request("DELETE", path, ok=(200, 202, 204))
