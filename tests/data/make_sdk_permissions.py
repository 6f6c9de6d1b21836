"""Regenerate tests/data/sdk_permissions.json: every operation's required permissions as the
official Python SDK documents them (build/docs/*Api.md: "Wraps METHOD PATH", then "Requires ANY
permissions:" or "Requires ALL permissions:" and a list, or "Requires no permissions").

Only the operations the emulator serves are kept (the client uses no other).

Run: python tests/data/make_sdk_permissions.py PATH_TO/platform-client-sdk-python  (a clone at the
version named in the JSON; 257.1.0 when this was written)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def table(docs: dict[str, str]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for text in docs.values():
        for block in re.split(r"\n## ", text):
            wraps = re.search(r"^Wraps (\w+) (\S+)", block, re.M)
            if not wraps:
                continue
            key = f"{wraps[1]} {wraps[2]}"
            if re.search(r"^Requires no permissions", block, re.M):
                out[key] = {"how": "none", "permissions": []}
                continue
            req = re.search(r"^Requires (ANY|ALL) permissions:\s*\n\n((?:\* .+\n)+)", block, re.M)
            if req:
                perms = [p[2:].strip() for p in req[2].strip().splitlines()]
                out[key] = {"how": req[1].lower(), "permissions": perms}
    return out


def norm(key: str) -> str:
    """`METHOD /path/{a}/x/{b}` with its parameters' names left out: the SDK and the emulator
    name them differently."""
    return re.sub(r"\{[^}]+\}", "{}", key)


def emulator_operations() -> dict[str, str]:
    """norm(METHOD PATH) -> the emulator's name for every operation it serves."""
    sys.path.insert(0, str(HERE.parent.parent))
    from genesys_tui.emulator.app import api_routes

    return {norm(f"{method} {path}"): name for method, path, _h, name in api_routes()}


def main(repo: str) -> None:
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True).stdout

    files = [
        f
        for f in git("ls-tree", "-r", "--name-only", "HEAD", "build/docs").split()
        if f.endswith("Api.md")
    ]
    docs = {f: git("show", f"HEAD:{f}") for f in files}
    version = git("log", "-1", "--format=%s").strip()
    served = emulator_operations()
    ops = {k: v for k, v in table(docs).items() if norm(k) in served}
    doc = {"sdk": "platform-client-sdk-python", "version": version, "operations": ops}
    (HERE / "sdk_permissions.json").write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    print(f"{len(doc['operations'])} operations from SDK {version}")


if __name__ == "__main__":
    main(sys.argv[1])
