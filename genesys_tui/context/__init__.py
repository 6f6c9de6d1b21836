"""From config + profile + command-line overrides to a ready GenesysClient, and the org's own
place on disk. Shared by the CLI and the TUI so both sign in exactly the same way; a user's own
sign-in is in context/signin.py, what the TUI starts from in context/app.py."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from genesys_tui.core import credentials as creds
from genesys_tui.core import orgs
from genesys_tui.core.config import Config, ConfigError, Profile
from genesys_tui.core.paths import AppPaths
from genesys_tui.genesys.auth import ClientCredentialsAuth, TokenProvider
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.genesys.http import RetryPolicy, new_http_client
from genesys_tui.genesys.regions import Hosts, RegionError, hosts_for


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
    return client_for(target, auth, http)


def client_for(target: Target, auth: TokenProvider, http: httpx.AsyncClient) -> GenesysClient:
    return GenesysClient(
        target.hosts,
        auth,
        http=http,
        rate_limit_per_minute=target.profile.rate_limit_per_minute,
        retry=retry_policy(target.profile),
    )
