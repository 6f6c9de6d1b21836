"""main() in-process leaves the caller's signal handlers as it found them: its SIGTERM handler
(which unwinds a headless command like Ctrl-C) lives only while the command runs."""

from __future__ import annotations

import signal

import pytest

from genesys_tui.cli.main import main


def test_sigterm_handler_is_restored_after_main(tmp_path, capsys, monkeypatch):
    def ours(signum, frame):  # pragma: no cover - never called
        raise AssertionError

    before = signal.signal(signal.SIGTERM, ours)
    seen = []
    try:
        from genesys_tui.cli import main as main_module

        real = main_module._run

        def spy(args, terminated):
            seen.append(signal.getsignal(signal.SIGTERM))
            return real(args, terminated)

        monkeypatch.setattr(main_module, "_run", spy)
        from genesys_tui.cli import convert_lean

        lean = convert_lean.run
        monkeypatch.setattr(
            convert_lean,
            "run",
            lambda argv, t: seen.append(signal.getsignal(signal.SIGTERM)) or lean(argv, t),
        )
        # a quiet conversion starts light (cli/convert_lean.py), the rest through _run: both
        # have their own handler while they run, and the caller's is back after
        code = main(["convert", str(tmp_path / "missing.wav"), "--format", "mono", "-q"])
        assert code != 0  # the command ran (and refused a missing file)
        code = main(["jobs", "--config", str(tmp_path / "none.toml")])
        assert len(seen) == 2 and all(h is not ours for h in seen)
        assert signal.getsignal(signal.SIGTERM) is ours
    finally:
        signal.signal(signal.SIGTERM, before)


def test_every_subcommand_has_its_function_and_nothing_else_does():
    import argparse

    from genesys_tui.cli.main import handler
    from genesys_tui.cli.parser import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name in sub.choices:
        fn = handler(name)
        assert callable(fn) and fn.__name__.startswith("cmd_"), name
    with pytest.raises(KeyError):
        handler("no-such-command")
