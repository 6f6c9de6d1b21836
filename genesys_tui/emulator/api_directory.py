"""Emulated API: the organization, the token's own info, users, queues and wrap-up codes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from genesys_tui.emulator.errors import USER_CONTEXT
from genesys_tui.emulator.request_helpers import listing
from genesys_tui.emulator.tokens import Token

if TYPE_CHECKING:
    from genesys_tui.emulator.app import Emulator


async def organization(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    return JSONResponse(
        {
            "id": emu.org.id,
            "name": emu.org.name,
            "thirdPartyOrgName": "acme-demo",
            "domain": "acme-demo",
            "state": "active",
            "selfUri": "/api/v2/organizations/me",
        }
    )


async def token_info(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    org = {
        "id": emu.org.id,
        "name": emu.org.name,
    }  # TokenInfo's organization is a NamedEntity: no selfUri
    return JSONResponse(
        {
            "organization": org,
            "homeOrganization": org,
            "authorizedScope": [
                "analytics",
                "conversations",
                "recordings",
                "speech-and-text-analytics",
            ],
            "OAuthClient": {
                "id": tok.client_id,
                "name": "genesys-tui demo client",
                "organization": org,
            },
        }
    )


def _user_doc(u) -> dict[str, Any]:
    return {
        "id": u.id,
        "name": u.name,
        "email": u.email,
        "username": u.email,
        "state": "active",
        "division": {"id": "", "name": "Home"},
        "selfUri": f"/api/v2/users/{u.id}",
    }


async def users_me(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    if not tok.user_id:
        raise USER_CONTEXT
    user = emu.org.user_by_id(tok.user_id)
    return JSONResponse(_user_doc(user))


async def users(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    return listing(request, [_user_doc(u) for u in emu.org.users], "/api/v2/users")


async def queues(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    name = request.query_params.get("name")
    qs = [q for q in emu.org.queues if not name or _wild(name, q.name)]
    items = [
        {
            "id": q.id,
            "name": q.name,
            "division": {
                "id": emu.org.divisions[q.division][0],
                "name": emu.org.divisions[q.division][1],
            },
            "selfUri": f"/api/v2/routing/queues/{q.id}",
        }
        for q in qs
    ]
    return listing(request, items, "/api/v2/routing/queues")


def _wild(pattern: str, value: str) -> bool:
    p, v = pattern.lower(), value.lower()
    if p.endswith("*"):
        return v.startswith(p[:-1])
    return p == v


async def wrapup_codes(emu: Emulator, request: Request, tok: Token, cid: str) -> Response:
    items = [
        {"id": i, "name": n, "selfUri": f"/api/v2/routing/wrapupcodes/{i}"}
        for i, n in emu.org.wrapups
    ]
    return listing(request, items, "/api/v2/routing/wrapupcodes")


ROUTES = [
    ("GET", "/api/v2/organizations/me", organization, "organizations.me"),
    ("GET", "/api/v2/tokens/me", token_info, "tokens.me"),
    ("GET", "/api/v2/users/me", users_me, "users.me"),
    ("GET", "/api/v2/users", users, "users"),
    ("GET", "/api/v2/routing/queues", queues, "routing.queues"),
    ("GET", "/api/v2/routing/wrapupcodes", wrapup_codes, "routing.wrapupcodes"),
]
