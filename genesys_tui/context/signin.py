"""A user's own sign-in, for what needs a person behind the token (Supervise, `login --user`):
the token `login --user` stored (PKCE, or a confidential code client that renews it), a browser
sign-in, and the demo's sign-in through the emulator's real PKCE flow with no browser."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx

from genesys_tui.context import Target, client_for

if TYPE_CHECKING:
    from genesys_tui.flows.supervise.service import SuperviseDesk
from genesys_tui.core import credentials as creds
from genesys_tui.core import fmt
from genesys_tui.core.config import Config
from genesys_tui.core.orgs import OrgScope
from genesys_tui.genesys.auth import (
    USER,
    PkceUserAuth,
    TokenProvider,
    TokenResponse,
    UserTokenAuth,
)
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.genesys.http import new_http_client
from genesys_tui.genesys.regions import is_loopback_url


def user_client_id(target: Target) -> str:
    return target.profile.user_client_id or target.profile.client_id


def user_client(
    target: Target, *, transport: httpx.AsyncBaseTransport | None = None
) -> GenesysClient:
    """A client on the user's stored sign-in. A confidential code-grant client (its secret in the
    keyring) renews the token with its refresh token; a PKCE sign-in has none and lives until it
    expires. An expired one is "sign in again" here, before anything is sent."""
    import time

    host, allow = target.hosts.login_host, target.allow_plaintext
    client_id = user_client_id(target)
    if not client_id:
        raise creds.CredentialsError(
            "no client id for user sign-in: set user_client_id in the profile"
        )
    stored = creds.load_user_token(host, client_id, allow_plaintext=allow)
    secret = creds.load_secret(creds.CODE_CLIENT_SECRET, host, client_id, allow_plaintext=allow)
    if secret:
        refresh = creds.load_secret(creds.REFRESH_TOKEN, host, client_id, allow_plaintext=allow)
        if not refresh:
            raise creds.CredentialsError("no user sign-in stored: run `genesys-tui login --user`")
        left = stored[1] - time.time() if stored else 0
        initial = TokenResponse(stored[0], int(left)) if stored and left > 120 else None
        http = new_http_client(target.profile.timeout_seconds, transport)

        def keep(new_refresh: str) -> None:
            creds.store_secret(
                creds.REFRESH_TOKEN, host, client_id, new_refresh, allow_plaintext=allow
            )

        def newest() -> str | None:
            return creds.load_secret(creds.REFRESH_TOKEN, host, client_id, allow_plaintext=allow)

        auth: TokenProvider = UserTokenAuth(
            target.hosts,
            client_id,
            refresh,
            http=http,
            client_secret=secret,
            on_refresh_token=keep,
            load_refresh_token=newest,
            initial=initial,
        )
        return client_for(target, auth, http)
    if stored is None:
        raise creds.CredentialsError("no user sign-in stored: run `genesys-tui login --user`")
    token, expires = stored
    if expires - time.time() < 60:
        raise creds.CredentialsError(
            f"your sign-in expired ({fmt.when_epoch(expires)}): sign in again with "
            "`genesys-tui login --user` (L in the TUI's Supervise area)"
        )
    http = new_http_client(target.profile.timeout_seconds, transport)
    return client_for(target, PkceUserAuth(token, expires), http)


def token_client(target: Target, token: str) -> GenesysClient:
    """A client on a user's access token handed over by a script (`--token-stdin`), kept in
    memory only. Its expiry is not knowable from the token: Genesys's default life (24 h) is
    assumed, and a token that ended sooner is refused by Genesys (401: sign in again)."""
    import time

    token = token.strip()
    if not token or len(token) > 8192 or any(c.isspace() or not c.isprintable() for c in token):
        raise creds.CredentialsError("that is not an access token (one line, no spaces)")
    http = new_http_client(target.profile.timeout_seconds)
    return client_for(target, PkceUserAuth(token, time.time() + 86_400), http)


async def sign_in_user(
    target: Target,
    *,
    announce,
    open_browser: bool = True,
    client_secret: str | None = None,
    timeout: float = 300.0,
    session_only_ok: bool = False,
) -> GenesysClient:
    """The browser sign-in (`login --user`, and L in the TUI): PKCE, plus the client's secret for a
    confidential code-grant client. What it gives is kept in the keyring (the access token with its
    expiry; for a code client also its secret and the refresh token). Returns a user client. With
    `session_only_ok` (the TUI), no keyring is no failure: the sign-in lasts for this session."""
    import time

    from genesys_tui.genesys.pkce import login_with_pkce

    host, allow = target.hosts.login_host, target.allow_plaintext
    client_id = user_client_id(target)
    if not client_id:
        raise creds.CredentialsError(
            "no client id for user sign-in: pass --client-id (a PKCE OAuth client)"
        )
    secret = client_secret or creds.load_secret(
        creds.CODE_CLIENT_SECRET, host, client_id, allow_plaintext=allow
    )
    http = new_http_client(target.profile.timeout_seconds)
    try:
        tok = await login_with_pkce(
            target.hosts,
            client_id,
            http=http,
            port=target.profile.redirect_port,
            announce=announce,
            open_browser=open_browser,
            client_secret=secret,
            timeout=timeout,
        )
        if secret and not tok.refresh_token:
            raise creds.CredentialsError(
                "the code grant gave no refresh token: is this a confidential "
                "code-authorization client?"
            )
    except BaseException:
        await http.aclose()
        raise
    expires = time.time() + tok.expires_in
    try:
        creds.store_user_token(host, client_id, tok.access_token, expires, allow_plaintext=allow)
    except creds.CredentialsError:
        if not session_only_ok:
            await http.aclose()
            raise
        return client_for(target, PkceUserAuth(tok.access_token, expires), http)  # this session
    if secret:
        creds.store_secret(creds.CODE_CLIENT_SECRET, host, client_id, secret, allow_plaintext=allow)
        creds.store_secret(
            creds.REFRESH_TOKEN, host, client_id, tok.refresh_token or "", allow_plaintext=allow
        )
        await http.aclose()
        return user_client(target)
    return client_for(target, PkceUserAuth(tok.access_token, expires), http)


async def loopback_user_client(target: Target) -> GenesysClient:
    """A user's client for the embedded emulator (`demo`), signed in through the real PKCE flow
    with no browser: the demo org approves at once, so following the authorize URL's redirect to
    our own listener is the whole sign-in. Like any PKCE sign-in it has no refresh token."""
    import asyncio
    import threading
    import time

    from genesys_tui.genesys.pkce import login_with_pkce

    if not is_loopback_url(target.hosts.api_base):
        raise creds.CredentialsError("automatic sign-in is only for the local emulator")
    http = new_http_client(target.profile.timeout_seconds)
    refused: list[str] = []

    def follow(url: str) -> None:  # the "browser": a thread, so our listener's loop keeps running
        def go() -> None:
            r = httpx.get(url, follow_redirects=True, timeout=30)
            if r.status_code >= 400:
                refused.append(" ".join(r.text.split())[:300])

        threading.Thread(target=go, daemon=True).start()

    try:
        tok = await asyncio.wait_for(
            login_with_pkce(
                target.hosts,
                user_client_id(target),
                http=http,
                port=target.profile.redirect_port,
                announce=follow,
                open_browser=False,
                timeout=20,
            ),
            30,
        )
    except BaseException as e:
        await http.aclose()
        if refused:
            raise creds.CredentialsError(f"the sign-in was refused: {refused[0]}") from None
        raise e
    return client_for(target, PkceUserAuth(tok.access_token, time.time() + tok.expires_in), http)


async def supervisor_client(
    current: GenesysClient,
    target: Target,
    *,
    demo: bool,
    interactive: bool,
    on_browser: Callable[[str], None],
    on_url: Callable[[str], None],
) -> tuple[GenesysClient, bool]:
    """The client a supervisor acts with, and whether it was made here (then the caller closes
    it): `current` when it is a user's live sign-in; in the demo the emulator's user, with no
    browser; else the sign-in `login --user` stored while it is valid; else, only when
    `interactive`, a browser sign-in (`on_browser(why)`, then `on_url(url)` to show the link).
    CredentialsError when there is none to be had."""
    if current.auth.kind == USER and current.auth.seconds_left != 0:
        return current, False
    if demo:
        return await loopback_user_client(target), True
    try:
        return user_client(target), True
    except creds.CredentialsError as stored_problem:
        if not interactive:
            raise
        on_browser(str(stored_problem))
        return await sign_in_user(target, announce=on_url, session_only_ok=True), True


async def supervisor_desk(
    current: GenesysClient,
    target: Target,
    config: Config,
    scope: OrgScope,
    *,
    demo: bool,
    interactive: bool,
    readonly: bool,
    names: dict[str, str],
    on_browser: Callable[[str], None],
    on_url: Callable[[str], None],
) -> SuperviseDesk:
    """The supervisor's desk on the client `supervisor_client` finds (a client made here is
    closed again when the desk cannot be had). CredentialsError, NoSupervisor, or the API's."""
    from genesys_tui.flows.supervise.service import SuperviseDesk

    client, own = await supervisor_client(
        current, target, demo=demo, interactive=interactive, on_browser=on_browser, on_url=on_url
    )
    try:
        return await SuperviseDesk.open(
            client, config, scope, readonly=readonly, names=names, own_client=own
        )
    except BaseException:
        if own:
            await client.aclose()
        raise
