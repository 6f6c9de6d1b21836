"""info, login, logout."""

from __future__ import annotations

import getpass
import sys

from rich.table import Table

from genesys_tui.cli.common import CommandError, Context, run, shown
from genesys_tui.context import Target, build_client
from genesys_tui.context.signin import sign_in_user
from genesys_tui.core import credentials as creds
from genesys_tui.core import fmt
from genesys_tui.core.config import Config
from genesys_tui.core.toml_text import toml_key, toml_string
from genesys_tui.media.playback import available as audio_available


def cmd_info(ctx: Context) -> int:
    p = ctx.paths
    cfg = ctx.config
    rows = [
        (
            "config file",
            f"{p.config_file}" + ("" if p.config_file.exists() else " (not created yet)"),
        ),
        ("data dir", str(p.data_dir)),
        ("cache dir", str(p.cache_dir)),
        ("log file", str(p.log_file)),
    ]
    try:
        t = ctx.target()
        rows += [
            ("profile", t.profile.name or cfg.default_profile),
            ("region", t.hosts.name),
            ("API host", t.hosts.api_base),
            ("login host", t.hosts.login_base),
            ("client id", t.profile.client_id or "(none: run `genesys-tui login`)"),
            ("read-only", "yes" if t.readonly else "no"),
        ]
    except Exception as e:  # noqa: BLE001 - info must still print the paths
        rows.append(("profile", f"error: {e}"))
    rows.append(("keyring", creds.describe_backend(cfg.keyring.allow_plaintext)))
    audio = audio_available()
    rows.append(("audio playback", ("available: " if audio.ok else "unavailable: ") + audio.reason))
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        ctx.out.print(f"[bold]{k:<{width}}[/]  {v}", highlight=False)
    return 0


def _read_secret(ctx: Context) -> str:
    if ctx.args.secret_stdin:
        secret = sys.stdin.readline().strip()
    else:
        if not sys.stdin.isatty():
            raise CommandError("no terminal to ask for the secret: pipe it in with --secret-stdin")
        secret = getpass.getpass("Client secret (input hidden): ").strip()
    if not secret:
        raise CommandError("no secret given")
    return secret


def remember_profile(
    cfg: Config, path, name: str, region: str, client_id: str, key: str = "client_id"
) -> str | None:
    """Save the non-secret part of a login (region, client id) to the config file when the profile
    is not defined there yet. Existing sections are never rewritten (they may carry comments)."""
    if name in cfg.profiles:
        prof = cfg.profiles[name]
        if getattr(prof, key) != client_id or prof.region != region:
            return (
                f"note: profile '{name}' in {path} has {key} = {getattr(prof, key)!r}, region = {prof.region!r}; "
                f"update them to {client_id!r} and {region!r} to use this login by default"
            )
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    section = f"\n[profiles.{toml_key(name)}]\nregion = {toml_string(region)}\n{key} = {toml_string(client_id)}\n"
    with open(path, "a", encoding="utf-8") as f:
        f.write(section)
    return f"saved region and {key} to [profiles.{name}] in {path}"


def cmd_login(ctx: Context) -> int:
    a = ctx.args
    target = ctx.target(region=a.region, create=True)
    allow = target.allow_plaintext
    creds.usable_backend(allow)  # fail before asking for a secret that cannot be stored
    name = target.profile.name or ctx.config.default_profile
    if a.user:
        return _login_user(ctx, target, name)
    client_id = a.client_id or target.profile.client_id
    if not client_id:
        if not sys.stdin.isatty():
            raise CommandError("no client id: pass --client-id")
        client_id = input("OAuth client id: ").strip()
    secret = _read_secret(ctx)

    async def verify() -> str:
        async with build_client(target, client_id, secret) as client:
            info = await client.directory.token_info()
            return (info.organization.name if info.organization else None) or "your org"

    org = run(verify())
    creds.store_secret(
        creds.CLIENT_SECRET, target.hosts.login_host, client_id, secret, allow_plaintext=allow
    )
    ctx.out.print(
        f"Signed in to [bold]{org}[/] ({target.hosts.name}) as client {client_id}; "
        "the secret is in the OS keyring.",
        highlight=False,
    )
    if not target.hosts.is_custom:
        note = remember_profile(
            ctx.config, ctx.paths.config_file, name, a.region or target.profile.region, client_id
        )
        if note:
            ctx.out.print(note, highlight=False)
    return 0


def _login_user(ctx: Context, target: Target, name: str) -> int:
    """A person's sign-in in the browser. A PKCE client (the usual kind) gives an access token and
    no refresh token: it is kept in the keyring with its expiry, and when it ends the user signs in
    again. A confidential code-grant client (`--secret-stdin`, or its secret already stored) also
    gives a refresh token, so the sign-in renews itself."""
    from dataclasses import replace

    from genesys_tui.genesys.pkce import redirect_uri_for

    a = ctx.args
    client_id = a.client_id or target.profile.user_client_id or target.profile.client_id
    if not client_id:
        raise CommandError("no client id for user sign-in: pass --client-id (a PKCE OAuth client)")
    secret = _read_secret(ctx) if a.secret_stdin else None
    target = replace(target, profile=replace(target.profile, user_client_id=client_id))
    redirect = redirect_uri_for(target.profile.redirect_port)

    def announce(url: str) -> None:
        ctx.err.print(
            f"Signing in with OAuth client {client_id}; its redirect URIs must include {redirect}.",
            highlight=False,
        )
        ctx.err.print(
            "Open this URL to sign in (it was opened in your browser if one is available):",
            highlight=False,
        )
        ctx.err.print(url, highlight=False, soft_wrap=True)

    async def flow() -> tuple[str, bool, float | None]:
        async with await sign_in_user(
            target, announce=announce, open_browser=not a.no_browser, client_secret=secret
        ) as client:
            me = await client.directory.me()
            auth = client.auth
            return (
                (me.name or me.email or me.id) if me else "unknown user",
                getattr(auth, "renewable", False),
                getattr(auth, "expires_at", None),
            )

    try:
        who, renewable, expires = run(flow())
    except creds.CredentialsError as e:
        raise CommandError(str(e)) from None
    life = (
        "it renews itself (refresh token in the keyring)"
        if renewable or expires is None
        else f"valid until {fmt.when_epoch(expires)}, then sign in again (PKCE gives no refresh token)"
    )
    ctx.out.print(
        f"Signed in as [bold]{shown(who)}[/]; the sign-in is in the OS keyring, {life}.",
        highlight=False,
    )
    if not target.hosts.is_custom:
        note = remember_profile(
            ctx.config,
            ctx.paths.config_file,
            name,
            a.region or target.profile.region,
            client_id,
            key="user_client_id",
        )
        if note:
            ctx.out.print(note, highlight=False)
    return 0


def cmd_logout(ctx: Context) -> int:
    a = ctx.args
    target = ctx.target(region=a.region)
    allow = target.allow_plaintext
    removed = []
    client_id = a.client_id or target.profile.client_id
    user_id = a.client_id or target.profile.user_client_id or target.profile.client_id
    if (
        client_id
        and not a.user
        and creds.delete_secret(
            creds.CLIENT_SECRET, target.hosts.login_host, client_id, allow_plaintext=allow
        )
    ):
        removed.append("client secret")
    user_kinds = (creds.USER_TOKEN, creds.REFRESH_TOKEN, creds.CODE_CLIENT_SECRET)
    if user_id and [
        k
        for k in user_kinds  # every one, so nothing of the sign-in stays behind
        if creds.delete_secret(k, target.hosts.login_host, user_id, allow_plaintext=allow)
    ]:
        removed.append("user sign-in")
    if removed:
        ctx.out.print(
            f"Removed {' and '.join(removed)} for {target.hosts.login_host} from the keyring."
        )
    else:
        ctx.out.print("Nothing to remove: no stored credentials for this profile.")
    return 0


def cmd_doctor(ctx: Context) -> int:
    """Signs in, reads the org, tries each feature harmlessly; exit 0 when everything is allowed."""
    from genesys_tui.context import client_credentials_client
    from genesys_tui.context.signin import user_client
    from genesys_tui.flows.doctor import MISSING, OK, run_doctor

    target = ctx.target()

    async def go():
        async with client_credentials_client(target) as client:
            try:
                supervisor = user_client(target)
                problem = ""
            except creds.CredentialsError as e:
                # said once for the four features it holds back, with what gives a sign-in
                problem = (
                    f"needs a user's sign-in: {e}; `genesys-tui login --user` keeps one in the "
                    "keyring, or without a keyring `supervise ... --sign-in` signs in for one "
                    "command"
                )
                supervisor = None
            try:
                return await run_doctor(client, user_client=supervisor, user_problem=problem)
            finally:
                if supervisor is not None:
                    await supervisor.aclose()

    try:
        report = run(go())
    except creds.CredentialsError as e:
        raise CommandError(str(e)) from None
    out = ctx.out
    out.print(
        f"[bold]{shown(report.org_name)}[/] ({shown(report.org_id)}), region {target.hosts.name}",
        highlight=False,
    )
    out.print(
        f"token: {report.token_type}, {fmt.time_left(report.token_left_s)} left", highlight=False
    )
    ttl = report.playback_url_ttl_min
    out.print(
        "recording URLs live "
        + (
            f"{ttl} min (playback), {report.batch_url_ttl_min} min (batch)"
            if ttl is not None
            else "60 min (the default; settings not readable)"
        ),
        highlight=False,
    )
    out.print(
        f"keyring: {creds.describe_backend(ctx.config.keyring.allow_plaintext)}", highlight=False
    )
    # Feature and status only, so it fits 100 columns; what is missing, and what could not be
    # checked (said once per reason), follows it with the permissions to grant.
    t = Table(show_edge=False, pad_edge=False)
    t.add_column("Feature", no_wrap=True)
    t.add_column("Status", no_wrap=True)
    style = {OK: "green", MISSING: "red"}
    for f in report.findings:
        t.add_row(shown(f.feature), f"[{style.get(f.status, 'yellow')}]{f.status}[/]")
    out.print(t)
    for f in report.missing:
        out.print(
            f"[red]{f.status}[/]: {shown(f.feature)} needs {shown(f.permission)}", highlight=False
        )
    unchecked: dict[str, list[str]] = {}
    for f in report.findings:
        if f.status not in (OK, MISSING) and f not in report.missing:
            unchecked.setdefault(f.detail, []).append(f.feature)
    for why, features in unchecked.items():
        out.print(
            f"[yellow]not checked[/] ({shown(why)}): {shown(', '.join(features))}",
            highlight=False,
        )
    if report.missing:
        ctx.err.print(
            f"{len(report.missing)} feature(s) cannot work: ask an admin to grant "
            + ", ".join(sorted({f.permission for f in report.missing})),
            highlight=False,
        )
        return 1
    return 0
