"""Core packages must not load textual (modelled on harlequin's import-hygiene test)."""

import pkgutil
import subprocess
import sys

import genesys_tui


def core_modules() -> list[str]:
    names = []
    for m in pkgutil.walk_packages(genesys_tui.__path__, "genesys_tui."):
        if (
            m.name.startswith(("genesys_tui.tui", "genesys_tui.cli"))
            or m.name == "genesys_tui.__main__"
        ):
            continue
        names.append(m.name)
    return names


def test_there_are_core_modules_to_check():
    mods = core_modules()
    assert "genesys_tui.genesys.http" in mods and "genesys_tui.emulator.app" in mods
    assert not any(m.startswith("genesys_tui.tui") for m in mods)


CHECK = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
    if any(m == "textual" or m.startswith("textual.") for m in sys.modules):
        print(name)
        sys.exit(1)
"""


def test_core_modules_do_not_import_textual():
    # One fresh interpreter imports the core modules one by one and names the first that pulls
    # in textual.
    r = subprocess.run(
        [sys.executable, "-c", CHECK, *core_modules()], capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, f"{r.stdout.strip()} loaded textual {r.stderr[-800:]}"


def test_the_check_can_fail():
    r = subprocess.run(
        [sys.executable, "-c", CHECK, "genesys_tui.core.config", "textual.app"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1 and r.stdout.strip() == "textual.app"


def test_emulator_never_imports_the_client_package():
    code = (
        "import sys, genesys_tui.emulator, genesys_tui.emulator.server; "
        "bad = [m for m in sys.modules if m.startswith('genesys_tui.genesys')]; print(bad); sys.exit(1 if bad else 0)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"the emulator imported the client: {r.stdout}"
