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
    """Every module of the emulator loaded (the handlers are imported lazily, when the app is
    built), an Emulator built and its routes listed: none of it pulls in the client, storage,
    flows or context (or the tests would only prove that the client agrees with itself)."""
    code = (
        "import sys, pkgutil, importlib, genesys_tui.emulator as pkg\n"
        "for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "    importlib.import_module(m.name)\n"
        "from genesys_tui.emulator.app import Emulator\n"
        "from genesys_tui.emulator.settings import EmulatorSettings\n"
        "app = Emulator(EmulatorSettings(conversations=5))\n"
        "assert len(app.app.routes) > 30, len(app.app.routes)\n"
        "loaded = [m for m in sys.modules if m.startswith('genesys_tui.emulator.api_')]\n"
        "assert len(loaded) >= 4, loaded\n"
        "bad = [m for m in sys.modules if m.split('.')[:2] in (['genesys_tui', 'genesys'],"
        " ['genesys_tui', 'storage'], ['genesys_tui', 'flows'], ['genesys_tui', 'context'])]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"the emulator imported the client: {r.stdout}{r.stderr[-2000:]}"
