"""Everything kept on disk is kept per org: the job store, staging, the Review cache, peaks and the
audit log live under `<data|cache>/orgs/<org id>/`, with the org id from
`GET /api/v2/organizations/me`. Nothing fetched from one org is then ever shown, resumed or sent
against another, whichever profile, region or emulator run it came through.

Commands that work offline (`jobs`, `audit verify`) use the org that the profile last signed in to,
remembered in `<data>/orgs/known.json` (ids and names only, nothing secret)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from genesys_tui.core.errors import UserError
from genesys_tui.core.files import write_bytes
from genesys_tui.core.ids import InvalidId, safe_id
from genesys_tui.core.paths import AppPaths

DEMO_KEY = "demo"  # the registry's key for the org `genesys-tui demo` last ran


class OrgUnknown(UserError):
    """No org is known for this profile yet (nothing has signed in to it)."""


@dataclass(frozen=True)
class OrgScope:
    org_id: str
    data_dir: Path
    cache_dir: Path

    @property
    def job_store(self) -> Path:
        return self.data_dir / "jobs.sqlite3"

    @property
    def staging(self) -> Path:
        return self.data_dir / "staging"

    @property
    def exports_file(self) -> Path:
        return self.data_dir / "exports.json"  # the bulk exports this tool started

    @property
    def audit_dir(self) -> Path:
        return self.data_dir / "audit"


def scope(paths: AppPaths, org_id: str) -> OrgScope:
    try:
        oid = safe_id(org_id, "org id")
    except InvalidId as e:
        raise OrgUnknown(str(e)) from None
    return OrgScope(oid, paths.data_dir / "orgs" / oid, paths.cache_dir / "orgs" / oid)


def target_key(login_host: str, client_id: str) -> str:
    """Which registry entry a profile uses: where it signs in and as which client."""
    return f"{login_host}|{client_id}"


def _registry(paths: AppPaths) -> Path:
    return paths.data_dir / "orgs" / "known.json"


def _load(paths: AppPaths) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(_registry(paths).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, dict)}


def remember(paths: AppPaths, key: str, org_id: str, org_name: str = "") -> OrgScope:
    """Record that `key` signs in to `org_id`; returns that org's scope."""
    sc = scope(paths, org_id)
    known = _load(paths)
    entry = {"org_id": sc.org_id, "org_name": str(org_name or "")[:200]}
    if known.get(key) != entry:
        known[key] = entry
        path = _registry(paths)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_bytes(path, json.dumps(known, indent=1, sort_keys=True).encode())
    return sc


def remembered(paths: AppPaths, key: str) -> OrgScope:
    entry = _load(paths).get(key)
    if not entry or not isinstance(entry.get("org_id"), str):
        raise OrgUnknown(
            "no org is known for this profile yet: run a command that signs in first "
            "(e.g. `genesys-tui info`), or give --org ORG_ID"
        )
    return scope(paths, entry["org_id"])
