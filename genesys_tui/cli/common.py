"""What every command needs: config, paths, logging, the target org, errors as one-line reasons."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from rich.console import Console
from rich.text import Text

from genesys_tui.core import logs
from genesys_tui.core.config import Config, load_config
from genesys_tui.core.paths import AppPaths, app_paths
from genesys_tui.core.terminal import clean

if TYPE_CHECKING:
    from genesys_tui.context.app import Services

T = TypeVar("T")
log = logging.getLogger("genesys_tui.cli")


class CommandError(Exception):
    """A failure with a message for the user (exit code 1 unless given)."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


@dataclass
class Context:
    args: argparse.Namespace
    paths: AppPaths
    config: Config
    out: Console
    err: Console

    def target(self, **overrides: Any):
        from genesys_tui.context import resolve_target  # lazily: `convert` needs no HTTP stack

        a = self.args
        return resolve_target(
            self.config,
            getattr(a, "profile", None),
            base_url=getattr(a, "base_url", None),
            allow_custom_host=getattr(a, "allow_custom_host", False),
            region=overrides.get("region"),
            readonly=getattr(a, "readonly", False),
            create=overrides.get("create", False),
        )

    @contextlib.asynccontextmanager
    async def services(
        self, *, scoped: bool = True, **queue_choices: Any
    ) -> AsyncIterator[Services]:
        """The flows' services, signed in with the profile's client credentials, as the TUI has
        them. `scoped`: for the org's own files (jobs, Review's cache, exports), found with one
        request (GET /api/v2/organizations/me); `queue_choices`: the queue's options (workers,
        batch, restore_archived) over the config's."""
        from genesys_tui.context import client_credentials_client, org_scope
        from genesys_tui.context.app import Services, queue_options

        target = self.target()
        async with client_credentials_client(target) as client:
            scope = await org_scope(client, target, self.paths) if scoped else None
            yield Services(
                client,
                target.profile,
                self.config,
                scope,
                queue=queue_options(self.config, **queue_choices),
                export_poll=getattr(self.args, "poll", None),
            )


def make_context(args: argparse.Namespace) -> Context:
    config_arg = getattr(args, "config", None)
    paths = app_paths(config_arg)
    import os

    explicit = bool(config_arg or os.environ.get("GENESYS_TUI_CONFIG"))
    config = load_config(paths.config_file, explicit=explicit)
    try:
        paths.ensure()
        log_file = paths.log_file
    except OSError:
        log_file = None  # a read-only home must not stop the command
    logs.configure(
        log_file,
        level=config.logging.level,
        verbose=getattr(args, "verbose", False),
        max_bytes=config.logging.max_bytes,
        backups=config.logging.backups,
    )
    log.debug("command %s", getattr(args, "command", None))
    # Piped output keeps whole rows instead of wrapping them at 80 columns.
    width = None if sys.stdout.isatty() else 220
    # Messages are one line each, never wrapped mid-path.
    return Context(
        args,
        paths,
        config,
        Console(width=width, soft_wrap=True),
        Console(stderr=True, soft_wrap=True),
    )


def cells(*values: object) -> list[Text]:
    """Table cells of outside text: shown as they are (never read as Rich markup), and unable to
    drive the terminal (core/terminal.clean)."""
    return [Text(clean(v)) for v in values]


def shown(value: object) -> str:
    """Outside text inside Rich markup: cleaned, and its brackets escaped."""
    from rich.markup import escape

    return escape(clean(value))


def run(coro: Coroutine[Any, Any, T]) -> T:
    import asyncio  # here: commands that need no event loop (convert) start faster

    return asyncio.run(coro)


def interval_arg(text: str) -> tuple:
    """--interval as (start, end); a bad one is a usage error (exit 2)."""
    from genesys_tui.core.intervals import parse_interval

    try:
        return parse_interval(text)
    except ValueError as e:
        raise CommandError(str(e), code=2) from None


def is_tty() -> bool:
    return sys.stdin.isatty()
