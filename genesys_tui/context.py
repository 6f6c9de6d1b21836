"""From config + profile + command-line overrides to a ready GenesysClient. Shared by the CLI and
the TUI so both sign in exactly the same way."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from genesys_tui.core import credentials as creds
from genesys_tui.core import orgs
from genesys_tui.core.config import Config, ConfigError, Profile
from genesys_tui.core.paths import AppPaths
from genesys_tui.genesys.auth import (
    ClientCredentialsAuth,
    PkceUserAuth,
    TokenProvider,
    TokenResponse,
    UserTokenAuth,
)
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.genesys.http import RetryPolicy, new_http_client
from genesys_tui.genesys.regions import Hosts, RegionError, hosts_for, is_loopback_url


@dataclass
class Target:
    """Where a profile points, after overrides."""

    profile: Profile
    hosts: Hosts
    allow_plaintext: bool
    readonly: bool


def resolve_target(
    cfg: Config,
    profile_name: str | None = None,
    *,
    base_url: str | None = None,
    allow_custom_host: bool = False,
    region: str | None = None,
    readonly: bool = False,
    create: bool = False,
) -> Target:
    profile = cfg.profile(profile_name, create=create)
    try:
        hosts = hosts_for(
            region or profile.region,
            base_url or profile.base_url,
            allow_custom_host or profile.allow_custom_host,
        )
    except RegionError as e:
        # A bad region or base URL from the file names the key; from the command line it does not.
        if base_url or region:
            raise
        key = "base_url" if profile.base_url else "region"
        raise ConfigError(
            cfg.source, f"profiles.{profile.name or 'default'}.{key}", str(e)
        ) from None
    return Target(
        profile, hosts, cfg.keyring.allow_plaintext, readonly or cfg.readonly or profile.readonly
    )


def registry_key(target: Target) -> str:
    """Where the profile signs in and as which client (the environment's client id wins, as it
    does when signing in)."""
    import os

    cid = (
        os.environ.get(creds.ENV_CLIENT_ID)
        or target.profile.client_id
        or target.profile.user_client_id
    )
    return orgs.target_key(target.hosts.login_host, cid)


async def org_scope(
    client: GenesysClient, target: Target, paths: AppPaths, *, demo: bool = False
) -> orgs.OrgScope:
    """The org the client is signed in to (GET /api/v2/organizations/me), remembered for this
    profile, and where its files live."""
    org = await client.directory.organization()
    if not org.id:
        raise orgs.OrgUnknown(
            "Genesys Cloud did not say which org this is (organizations/me has no id)"
        )
    sc = orgs.remember(
        paths, orgs.DEMO_KEY if demo else registry_key(target), org.id, org.name or ""
    )
    return sc


def remembered_scope(
    target: Target, paths: AppPaths, *, org_id: str | None = None, demo: bool = False
) -> orgs.OrgScope:
    """For offline commands: the org given, or the one this profile (or the demo) last signed in to."""
    if org_id:
        return orgs.scope(paths, org_id)
    return orgs.remembered(paths, orgs.DEMO_KEY if demo else registry_key(target))


def retry_policy(profile: Profile) -> RetryPolicy:
    r = profile.retry
    return RetryPolicy(
        max_attempts=r.max_attempts,
        max_total_seconds=r.max_total_seconds,
        base_delay=r.base_delay,
        max_delay=r.max_delay,
        max_retry_after=r.max_retry_after,
    )


def client_credentials_client(
    target: Target,
    *,
    client_id: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> GenesysClient:
    """A client on client credentials from the environment or the keyring."""
    c = creds.resolve_client_credentials(
        target.hosts.login_host,
        client_id or target.profile.client_id,
        allow_plaintext=target.allow_plaintext,
    )
    return build_client(target, c.client_id, c.client_secret, transport=transport)


def build_client(
    target: Target,
    client_id: str,
    client_secret: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> GenesysClient:
    http = new_http_client(target.profile.timeout_seconds, transport)
    auth = ClientCredentialsAuth(target.hosts, client_id, client_secret, http=http)
    return _client(target, auth, http)


def user_client_id(target: Target) -> str:
    return target.profile.user_client_id or target.profile.client_id


def user_client(
    target: Target, *, transport: httpx.AsyncBaseTransport | None = None
) -> GenesysClient:
    """A client on the user's stored sign-in. A confidential code-grant client (its secret in the
    keyring) renews the token with its refresh token; a PKCE sign-in has none and lives until it
    expires. An expired one is "sign in again" here, before anything is sent."""
    import time

    from genesys_tui.core import fmt

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
        return _client(target, auth, http)
    if stored is None:
        raise creds.CredentialsError("no user sign-in stored: run `genesys-tui login --user`")
    token, expires = stored
    if expires - time.time() < 60:
        raise creds.CredentialsError(
            f"your sign-in expired ({fmt.when_epoch(expires)}): sign in again with "
            "`genesys-tui login --user` (L in the TUI's Supervise area)"
        )
    http = new_http_client(target.profile.timeout_seconds, transport)
    return _client(target, PkceUserAuth(token, expires), http)


async def sign_in_user(
    target: Target,
    *,
    announce,
    open_browser: bool = True,
    client_secret: str | None = None,
    timeout: float = 300.0,
) -> GenesysClient:
    """The browser sign-in (`login --user`, and L in the TUI): PKCE, plus the client's secret for a
    confidential code-grant client. What it gives is kept in the keyring (the access token with its
    expiry; for a code client also its secret and the refresh token). Returns a user client."""
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
    creds.store_user_token(host, client_id, tok.access_token, expires, allow_plaintext=allow)
    if secret:
        creds.store_secret(creds.CODE_CLIENT_SECRET, host, client_id, secret, allow_plaintext=allow)
        creds.store_secret(
            creds.REFRESH_TOKEN, host, client_id, tok.refresh_token or "", allow_plaintext=allow
        )
        await http.aclose()
        return user_client(target)
    return _client(target, PkceUserAuth(tok.access_token, expires), http)


def _client(target: Target, auth: TokenProvider, http: httpx.AsyncClient) -> GenesysClient:
    return GenesysClient(
        target.hosts,
        auth,
        http=http,
        rate_limit_per_minute=target.profile.rate_limit_per_minute,
        retry=retry_policy(target.profile),
    )


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
    return _client(target, PkceUserAuth(tok.access_token, time.time() + tok.expires_in), http)
