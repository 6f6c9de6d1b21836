"""`genesys-tui web` (and `demo --web`): the TUI served to browsers, one app process per tab."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path

from genesys_tui.cli.common import CommandError, Context


def _tab_argv(ctx: Context, demo_url: str | None) -> list[str]:
    """The command each browser tab runs: this same genesys-tui, on the same org."""
    a = ctx.args
    argv = [sys.executable, "-m", "genesys_tui"]
    for flag in ("config", "profile", "base_url"):
        value = getattr(a, flag, None)
        if value:
            argv += [f"--{flag.replace('_', '-')}", str(value)]
    if getattr(a, "allow_custom_host", False):
        argv.append("--allow-custom-host")
    if getattr(a, "readonly", False):
        argv.append("--readonly")
    if demo_url is not None:
        argv += ["demo", "--emulator-url", demo_url, "--seed", str(a.seed)]
        argv += ["--conversations", str(a.conversations)]
        if getattr(a, "now", None):
            argv += ["--now", a.now.isoformat()]
    return argv


def cmd_web(ctx: Context, demo: bool | None = None) -> int:
    from genesys_tui.web.gate import Gate, WebRefused, check_host, new_token, token_from_file

    a = ctx.args
    demo = getattr(a, "demo", False) if demo is None else demo
    tls = bool(a.certfile and a.keyfile)
    if bool(a.certfile) != bool(a.keyfile):
        raise CommandError("--certfile and --keyfile go together", code=2)
    try:
        check_host(a.host, allow_remote=a.allow_remote, tls=tls)
        token = token_from_file(Path(a.token_file)) if a.token_file else new_token()
    except WebRefused as e:
        raise CommandError(f"web: {e}", code=2) from None
    ssl_context = None
    if tls:
        import ssl

        ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        try:
            ssl_context.load_cert_chain(a.certfile, a.keyfile)
        except (OSError, ssl.SSLError) as e:
            raise CommandError(f"web: the certificate cannot be used: {e}", code=2) from None
    emulator = None
    if demo:
        from genesys_tui.emulator import EmulatorServer
        from genesys_tui.tui.launch import demo_settings

        a.faults = getattr(a, "faults", "") or ""
        a.deny_permission = getattr(a, "deny_permission", None) or []
        a.live_rate = getattr(a, "live_rate", 2.0)
        bucket = ctx.paths.data_dir / "demo-export-bucket"
        emulator = EmulatorServer(demo_settings(a, 0, bucket)).start()
    try:
        return asyncio.run(_serve(ctx, Gate(token), ssl_context, emulator))
    finally:
        if emulator is not None:
            emulator.stop()


async def _serve(ctx: Context, gate, ssl_context, emulator) -> int:
    from genesys_tui.web.server import WebServer

    a = ctx.args
    server = WebServer(
        _tab_argv(ctx, emulator.base_url if emulator is not None else None),
        gate,
        host=a.host,
        port=a.port,
        public_url=a.public_url,
        max_sessions=a.max_sessions,
        idle_s=a.idle_minutes * 60,
        token_file=Path(a.token_file) if a.token_file else None,
        ssl_context=ssl_context,
        title="genesys-tui demo" if emulator is not None else "genesys-tui",
    )
    try:
        await server.start()
    except OSError as e:
        raise CommandError(f"web: cannot listen on {a.host}:{a.port}: {e.strerror or e}") from None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    print(f"genesys-tui web: open {server.url}", flush=True)
    print(
        f"  at most {a.max_sessions} sessions, each ended after {a.idle_minutes:g} min idle"
        f"{'; read-only' if a.readonly else ''}. Ctrl+C stops the server and its sessions.",
        file=sys.stderr,
        flush=True,
    )
    try:
        await stop.wait()
    finally:
        await server.close()
    return 0
