"""Names for IDs: the org, the token's identity, queues, users and wrap-up codes (listed once and
cached for the session)."""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from genesys_tui.core.ids import looks_like_uuid
from genesys_tui.genesys.errors import GenesysError, PermissionDenied, UserContextRequired
from genesys_tui.genesys.http import ApiClient
from genesys_tui.genesys.modelbase import from_api
from genesys_tui.genesys.models import Organization, Queue, TokenInfo, User, WrapupCode
from genesys_tui.genesys.paging import entities

T = TypeVar("T")
log = logging.getLogger("genesys_tui.directory")


class LookupError_(GenesysError):
    pass


class Directory:
    def __init__(self, api: ApiClient):
        self.api = api
        self._queues: dict[str, Queue] | None = None
        self._users: dict[str, User] | None = None
        self._wrapups: dict[str, WrapupCode] | None = None
        self._org: Organization | None = None

    async def organization(self) -> Organization:
        """The signed-in org (read once per client)."""
        if self._org is None:
            self._org = from_api(Organization, await self.api.get_json("/api/v2/organizations/me"))
        return self._org

    async def token_info(self) -> TokenInfo:
        return from_api(TokenInfo, await self.api.get_json("/api/v2/tokens/me"))

    async def me(self) -> User | None:
        """The signed-in user, or None for a client-credentials token (which has no user)."""
        try:
            return from_api(User, await self.api.get_json("/api/v2/users/me"))
        except UserContextRequired:
            return None

    async def _all(
        self, path: str, cls: type[T], page_size: int, params: dict[str, Any] | None = None
    ) -> list[T]:
        return [from_api(cls, e) async for e in entities(self.api, path, params, page_size)]

    async def queues(self) -> dict[str, Queue]:
        if self._queues is None:
            self._queues = {
                q.id: q for q in await self._all("/api/v2/routing/queues", Queue, 100) if q.id
            }
        return self._queues

    async def users(self) -> dict[str, User]:
        if self._users is None:
            self._users = {u.id: u for u in await self._all("/api/v2/users", User, 500) if u.id}
        return self._users

    async def wrapup_codes(self) -> dict[str, WrapupCode]:
        if self._wrapups is None:
            self._wrapups = {
                w.id: w
                for w in await self._all("/api/v2/routing/wrapupcodes", WrapupCode, 100)
                if w.id
            }
        return self._wrapups

    def named(self, kind: str) -> dict[str, str]:
        """id -> name of the queues, users or wrap-up codes already listed (empty if not readable)."""
        table = {"queue": self._queues, "user": self._users, "wrapup": self._wrapups}[kind] or {}
        return {k: v.name or k for k, v in table.items()}

    async def names(self) -> dict[str, str]:
        """id -> display name for every queue, user and wrap-up code. Names are a courtesy: a
        listing the client may not read (a 403) leaves those ids unnamed, it stops nothing."""
        names: dict[str, str] = {}
        for listing in (self.queues, self.users, self.wrapup_codes):
            try:
                names |= {k: v.name or k for k, v in (await listing()).items()}
            except PermissionDenied as e:
                log.warning(
                    "names not readable (%s): ids are shown instead", ", ".join(e.permissions) or e
                )
        return names

    async def resolve(self, kind: str, value: str) -> str:
        """An id for a queue, user or wrap-up code given by id, name or (users) email."""
        if looks_like_uuid(value):
            return value.strip()
        table: dict[str, Any] = await {
            "queue": self.queues,
            "user": self.users,
            "wrapup": self.wrapup_codes,
        }[kind]()
        wanted = value.strip().lower()
        hits = [
            k
            for k, v in table.items()
            if (getattr(v, "name", "") or "").lower() == wanted
            or (getattr(v, "email", "") or "").lower() == wanted
        ]
        if len(hits) == 1:
            return hits[0]
        if not hits:
            raise LookupError_(f"no {kind} named {value!r}")
        raise LookupError_(f"{len(hits)} {kind}s are named {value!r}; use the id")
