"""genesys-tui emulator: serve the embedded Genesys Cloud in the foreground."""

from __future__ import annotations

import contextlib

from genesys_tui.cli.common import CommandError, Context
from genesys_tui.emulator import EmulatorServer, EmulatorSettings
from genesys_tui.emulator.faults import FaultSpecError, parse_faults
from genesys_tui.genesys.regions import is_loopback_url


def emulator_settings(a) -> EmulatorSettings:
    try:
        parse_faults(a.faults or "")
    except FaultSpecError as e:
        raise CommandError(f"--faults: {e}", code=2) from None
    pinned = {"anchor": a.now, "pin_clock": True} if a.now else {}
    return EmulatorSettings(
        seed=a.seed,
        conversations=a.conversations,
        days=a.days,
        faults=a.faults or "",
        transcode_seconds=a.transcode_seconds,
        control=a.control,
        token_ttl=a.token_ttl,
        rate_limit_per_minute=a.rate_limit,
        deny_permissions=tuple(a.deny_permission or ()),
        live_rate=max(0.0, a.live_rate),
        transcript_delay_seconds=max(0.0, a.transcript_delay),
        export_target=(
            f"dir:{a.export_dir}" if a.export_dir else f"s3:{a.export_s3}" if a.export_s3 else ""
        ),
        **pinned,
    )


def cmd_emulator(ctx: Context) -> int:
    a = ctx.args
    settings = emulator_settings(a)
    srv = EmulatorServer(settings, host=a.host, port=a.port, log_level="warning")
    out = ctx.out
    out.print(
        f"Genesys Cloud emulator: [bold]{srv.emulator.org.name}[/], "
        f"{settings.conversations} conversations over {settings.days} days, seed {settings.seed}",
        highlight=False,
    )
    out.print(f"  base URL       {srv.base_url}   (API and login)", highlight=False)
    out.print(f"  client id      {settings.client_id}", highlight=False)
    out.print(
        f"  client secret  {settings.client_secret}   (demo credentials, not a real secret)",
        highlight=False,
    )
    if settings.faults:
        out.print(f"  faults         {settings.faults}", highlight=False)
    if settings.deny_permissions:
        out.print(f"  denied         {', '.join(settings.deny_permissions)}", highlight=False)
    if settings.control:
        out.print(f"  control        {srv.base_url}/__emulator/state (test-only)", highlight=False)
    if not is_loopback_url(srv.base_url):
        ctx.err.print(
            f"warning: listening on {a.host}, reachable beyond this machine", highlight=False
        )
    out.print(
        f"Try: GENESYS_CLIENT_ID={settings.client_id} GENESYS_CLIENT_SECRET=... "
        f"genesys-tui conversations --base-url {srv.base_url} --interval last-7-days",
        highlight=False,
    )
    out.print("Ctrl-C stops it.", highlight=False)
    with contextlib.suppress(KeyboardInterrupt):
        srv.run()
    return 0
