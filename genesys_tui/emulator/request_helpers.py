"""What every handler of the emulated API needs from a request: its JSON body (malformed syntax is
Genesys's 400), a page of a listing with Genesys's paging fields, a conversation or its 404."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from genesys_tui.emulator.call_model import CallDetail
from genesys_tui.emulator.errors import bad_request, not_found

if TYPE_CHECKING:
    from genesys_tui.emulator.app import Emulator


async def json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"null")
    except ValueError:
        raise bad_request(
            "The request could not be understood by the server due to malformed syntax."
        ) from None


def conv_or_404(emu: Emulator, conversation_id: str) -> CallDetail:
    i = emu.org.find(conversation_id)
    if i is None:
        raise not_found(f"conversation {conversation_id}")
    return emu.org.detail(i)


def listing(
    request: Request, items: list[dict[str, Any]], path: str, max_size: int = 500
) -> JSONResponse:
    try:
        size = int(request.query_params.get("pageSize", 25))
        number = int(request.query_params.get("pageNumber", 1))
    except ValueError:
        raise bad_request("pageSize and pageNumber must be integers") from None
    if not 1 <= size <= max_size or number < 1:
        raise bad_request(f"pageSize must be 1..{max_size} and pageNumber at least 1")
    total = len(items)
    count = max(1, -(-total // size))
    page = items[(number - 1) * size : number * size]
    doc = {
        "entities": page,
        "pageSize": size,
        "pageNumber": number,
        "total": total,
        "pageCount": count,
        "firstUri": f"{path}?pageSize={size}&pageNumber=1",
        "selfUri": f"{path}?pageSize={size}&pageNumber={number}",
        "lastUri": f"{path}?pageSize={size}&pageNumber={count}",
    }
    if number < count:
        doc["nextUri"] = f"{path}?pageSize={size}&pageNumber={number + 1}"
    if number > 1:
        doc["previousUri"] = f"{path}?pageSize={size}&pageNumber={number - 1}"
    return JSONResponse(doc)
