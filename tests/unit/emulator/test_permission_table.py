"""The emulator asks for exactly the permissions the official SDK documents, operation by
operation (ANY or ALL kept): tests/data/sdk_permissions.json is read from the SDK's own docs by
tests/data/make_sdk_permissions.py (its version is in the file)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from genesys_tui.emulator.app import api_routes
from genesys_tui.emulator.permissions import REQUIRED

TABLE = json.loads((Path(__file__).parents[2] / "data" / "sdk_permissions.json").read_text())


def norm(key: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", key)


def test_the_table_names_its_sdk_and_covers_the_operations_the_client_uses():
    assert TABLE["sdk"] == "platform-client-sdk-python" and TABLE["version"]
    ops = {norm(k) for k in TABLE["operations"]}
    for method, path in (
        ("POST", "/api/v2/recording/jobs"),
        ("PUT", "/api/v2/recording/jobs/{}"),
        ("GET", "/api/v2/speechandtextanalytics/conversations/{}/communications/{}/transcripturl"),
        ("POST", "/api/v2/conversations/{}/recordings/{}/annotations"),
    ):
        assert f"{method} {path}" in ops


def test_every_served_operation_needs_what_the_sdk_says():
    sdk = {norm(k): v for k, v in TABLE["operations"].items()}
    wrong, unknown = [], []
    for method, path, _handler, name in api_routes():
        doc = sdk.get(norm(f"{method} {path}"))
        if doc is None:
            unknown.append(f"{method} {path}")
            continue
        how, perms = REQUIRED.get(name, ("none", ()))
        if doc["how"] == "none":
            ok = name not in REQUIRED
        else:
            ok = (how, sorted(perms)) == (doc["how"], sorted(doc["permissions"]))
        if not ok:
            wrong.append(f"{name}: emulator {how} {sorted(perms)}, SDK {doc}")
    assert not wrong, "\n".join(wrong)
    assert not unknown, unknown  # every operation the emulator serves is a documented one
