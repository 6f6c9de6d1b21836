"""Secrets in the OS keyring (or the environment for unattended runs); never in a file.

Keyring entries live under the service "genesys-tui"; the account names the kind of secret, the
login host and the OAuth client id, so one client id in two regions keeps two secrets.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

from genesys_tui.core.errors import UserError

SERVICE = "genesys-tui"
ENV_CLIENT_ID = "GENESYS_CLIENT_ID"
ENV_CLIENT_SECRET = "GENESYS_CLIENT_SECRET"

NO_BACKEND_HELP = (
    "No usable OS keyring was found ({backend}). genesys-tui keeps secrets only in an OS keyring. "
    "Fix: on a Linux desktop install and unlock a Secret Service keyring "
    "(`sudo apt install gnome-keyring` or KWallet); on a headless server run inside "
    "`dbus-run-session` with `gnome-keyring-daemon --unlock`, or skip the keyring and set "
    f"{ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} in the environment."
)
PLAINTEXT_HELP = (
    "The keyring backend {backend} stores secrets in plaintext, so genesys-tui refuses it. "
    "Install an OS keyring, use the environment variables "
    f"{ENV_CLIENT_ID}/{ENV_CLIENT_SECRET}, or, if you accept the risk, set "
    "`[keyring] allow_plaintext = true` in the config."
)


class CredentialsError(UserError):
    """Credentials are missing or cannot be stored; the message says what to do."""


class KeyringUnavailable(CredentialsError):
    pass


@dataclass(frozen=True)
class ClientCredentials:
    client_id: str
    client_secret: str = field(repr=False)
    source: str  # "environment" or "keyring"


def _keyring():
    """keyring, imported when a secret is first read or written (the demo and runs from the
    environment never load it: it costs a start-up tens of milliseconds)."""
    import keyring
    import keyring.errors

    return keyring


def backend_name(backend: KeyringBackend | None = None) -> str:
    b = backend or _keyring().get_keyring()
    return f"{type(b).__module__}.{type(b).__name__}"


def _members(backend: KeyringBackend) -> list[KeyringBackend]:
    inner = getattr(backend, "backends", None)  # the chainer wraps several
    return list(inner) if isinstance(inner, (list, tuple)) else [backend]


def _is_plaintext(backend: KeyringBackend) -> bool:
    return "plaintext" in backend_name(backend).lower()


def _is_failing(backend: KeyringBackend) -> bool:
    mod = type(backend).__module__
    return mod in ("keyring.backends.fail", "keyring.backends.null")


def usable_backend(allow_plaintext: bool = False) -> KeyringBackend:
    """The keyring backend to use, or KeyringUnavailable with instructions. Never a silent
    plaintext fallback."""
    backend = _keyring().get_keyring()
    members = [b for b in _members(backend) if not _is_failing(b)]
    if not members:
        raise KeyringUnavailable(NO_BACKEND_HELP.format(backend=backend_name(backend)))
    if not allow_plaintext and any(_is_plaintext(b) for b in members):
        bad = next(b for b in members if _is_plaintext(b))
        raise KeyringUnavailable(PLAINTEXT_HELP.format(backend=backend_name(bad)))
    return backend


def describe_backend(allow_plaintext: bool = False) -> str:
    """One line for `genesys-tui info`."""
    try:
        return f"{backend_name(usable_backend(allow_plaintext))} (usable)"
    except KeyringUnavailable:
        b = _keyring().get_keyring()
        state = "refused: plaintext" if any(_is_plaintext(m) for m in _members(b)) else "not usable"
        return f"{backend_name(b)} ({state})"


def _account(kind: str, host: str, client_id: str) -> str:
    return f"{kind}:{host}:{client_id}"


def _call(fn, *args, allow_plaintext: bool):
    backend = usable_backend(allow_plaintext)
    try:
        return fn(backend, *args)
    except _keyring().errors.KeyringError as e:
        raise CredentialsError(
            f"the keyring ({backend_name(backend)}) failed: {type(e).__name__}: {e}"
        ) from None


def store_secret(
    kind: str, host: str, client_id: str, secret: str, *, allow_plaintext: bool = False
) -> None:
    _call(
        lambda b, a: b.set_password(SERVICE, a, secret),
        _account(kind, host, client_id),
        allow_plaintext=allow_plaintext,
    )


def load_secret(
    kind: str, host: str, client_id: str, *, allow_plaintext: bool = False
) -> str | None:
    return _call(
        lambda b, a: b.get_password(SERVICE, a),
        _account(kind, host, client_id),
        allow_plaintext=allow_plaintext,
    )


def delete_secret(kind: str, host: str, client_id: str, *, allow_plaintext: bool = False) -> bool:
    """Remove a secret; False when there was none."""

    def delete(b: KeyringBackend, account: str) -> bool:
        try:
            b.delete_password(SERVICE, account)
            return True
        except _keyring().errors.PasswordDeleteError:
            return False

    return _call(delete, _account(kind, host, client_id), allow_plaintext=allow_plaintext)


CLIENT_SECRET = "client-secret"  # a client-credentials client's secret
CODE_CLIENT_SECRET = (
    "code-client-secret"  # a confidential code-grant client's secret (user sign-in)
)
REFRESH_TOKEN = "refresh-token"  # from the code grant of a confidential client only
USER_TOKEN = (
    "user-token"  # the user's access token and when it expires (JSON), from either code grant
)


def store_user_token(
    host: str,
    client_id: str,
    access_token: str,
    expires_at: float,
    *,
    allow_plaintext: bool = False,
) -> None:
    store_secret(
        USER_TOKEN,
        host,
        client_id,
        json.dumps({"access_token": access_token, "expires_at": expires_at}),
        allow_plaintext=allow_plaintext,
    )


def load_user_token(
    host: str, client_id: str, *, allow_plaintext: bool = False
) -> tuple[str, float] | None:
    """(access token, expiry in epoch seconds), or None when none (or an unreadable one) is stored."""
    raw = load_secret(USER_TOKEN, host, client_id, allow_plaintext=allow_plaintext)
    try:
        data = json.loads(raw) if raw else None
        token, expires = data["access_token"], float(data["expires_at"])
    except (ValueError, TypeError, KeyError):
        return None
    return (token, expires) if isinstance(token, str) and token else None


def resolve_client_credentials(
    host: str, profile_client_id: str, *, allow_plaintext: bool = False
) -> ClientCredentials:
    """Environment first (unattended runs), then the keyring."""
    env_id, env_secret = os.environ.get(ENV_CLIENT_ID, ""), os.environ.get(ENV_CLIENT_SECRET, "")
    client_id = env_id or profile_client_id
    if env_secret:
        if not client_id:
            raise CredentialsError(
                f"{ENV_CLIENT_SECRET} is set but no client id: set {ENV_CLIENT_ID} too"
            )
        return ClientCredentials(client_id, env_secret, "environment")
    if not client_id:
        raise CredentialsError(
            "no client id configured: run `genesys-tui login --client-id ID`, "
            f"or set {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET}"
        )
    secret = load_secret(CLIENT_SECRET, host, client_id, allow_plaintext=allow_plaintext)
    if not secret:
        raise CredentialsError(
            f"no secret stored for client {client_id} at {host}: run `genesys-tui login`, "
            f"or set {ENV_CLIENT_SECRET}"
        )
    return ClientCredentials(client_id, secret, "keyring")
