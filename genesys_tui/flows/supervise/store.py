"""Where Supervise keeps its records (the data directory), the webhook's signing secret (the OS
keyring, or an environment variable for unattended runs), and who the signed-in supervisor is."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from genesys_tui.core import credentials as creds
from genesys_tui.core.config import Config
from genesys_tui.core.orgs import OrgScope
from genesys_tui.flows.supervise.alert_log import AlertLog
from genesys_tui.flows.supervise.audit import AuditLog
from genesys_tui.flows.supervise.checks import Supervisor
from genesys_tui.flows.supervise.webhook import SECRET_ENV, SECRET_KIND, Outbox
from genesys_tui.genesys.client import GenesysClient

WEBHOOK_ACCOUNT = "qa-webhook"


def audit_log(scope: OrgScope) -> AuditLog:
    """The org's own log: an action against one org is never counted or chained with another's."""
    return AuditLog(scope.audit_dir / "supervise.jsonl")


def alert_log(scope: OrgScope) -> AlertLog:
    """The org's alerts, and which were acknowledged."""
    return AlertLog(scope.audit_dir / "alerts.sqlite3")


def outbox_path(scope: OrgScope) -> Path:
    return scope.audit_dir / "webhook-outbox.sqlite3"


def outbox(scope: OrgScope) -> Outbox:
    return Outbox(outbox_path(scope))


def webhook_host(url: str) -> str:
    return urlsplit(url).hostname or url


def webhook_secret(config: Config) -> str | None:
    url = config.supervise.webhook.url
    if not url:
        return None
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV]
    try:
        return creds.load_secret(
            SECRET_KIND,
            webhook_host(url),
            WEBHOOK_ACCOUNT,
            allow_plaintext=config.keyring.allow_plaintext,
        )
    except creds.CredentialsError:
        return None


def store_webhook_secret(config: Config, secret: str) -> None:
    creds.store_secret(
        SECRET_KIND,
        webhook_host(config.supervise.webhook.url),
        WEBHOOK_ACCOUNT,
        secret,
        allow_plaintext=config.keyring.allow_plaintext,
    )


async def identify(client: GenesysClient) -> Supervisor | None:
    """The user behind the client's token, or None for a client-credentials token."""
    me = await client.directory.me()
    if me is None or not me.id:
        return None
    return Supervisor(me.id, me.name or me.email or me.id)
