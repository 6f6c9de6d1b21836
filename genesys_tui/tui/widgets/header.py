"""The top line: org and region, profile, who is signed in, token state, queue activity, and the
demo and read-only banners."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from genesys_tui.core import fmt
from genesys_tui.flows.pull.model import FAILED, WAITING


class AppHeader(Static):
    DEFAULT_CSS = """
    AppHeader { dock: top; height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    def on_mount(self) -> None:
        self.set_interval(1.0, self.update_text)
        self.update_text()

    def update_text(self) -> None:
        app = self.app
        t = Text(no_wrap=True, overflow="ellipsis")
        if getattr(app, "demo", False):
            t.append(" DEMO ORG ", style="bold black on yellow")
            t.append(" ")
        if getattr(app, "readonly", False):
            t.append(" READ-ONLY ", style="bold white on dark_red")
            t.append(" ")
        t.append("genesys-tui", style="bold")
        session = getattr(app, "session", None)
        target = getattr(app, "target", None)
        if target is not None:
            t.append(f"  {session.org_name if session and session.org_name else '…'}", style="bold")
            where = (
                "demo emulator"
                if getattr(app, "demo", False)
                else (target.hosts.api_host if target.hosts.is_custom else target.hosts.name)
            )
            t.append(f" ({where})  profile {target.profile.name or 'default'}", style="dim")
        if session is not None:
            t.append(f"  {session.identity}")
            t.append(f"  {session.token_state()}", style="dim")
            area = getattr(app, "area", None)  # Supervise holds the supervisor's sign-in
            supervise = area("supervise") if area is not None else None
            waiting = supervise.unacknowledged() if hasattr(supervise, "unacknowledged") else 0
            if waiting:  # alerts a supervisor has not acknowledged yet (Supervise, a)
                t.append(f"  {waiting} alert(s)", style="bold yellow")
            left = supervise.sign_in_left() if hasattr(supervise, "sign_in_left") else None
            if left is not None:  # the supervisor's PKCE sign-in: it ends, and then L renews it
                style = "bold red" if left <= 0 else ("bold yellow" if left <= 600 else "dim")
                t.append(
                    f"  supervisor sign-in: {fmt.time_left(left)}"
                    + (" (L)" if left <= 600 else ""),
                    style=style,
                )
        else:
            t.append("  not signed in", style="italic")
        services = getattr(app, "services", None)
        queue = services.pull if services is not None else None
        if queue is not None and queue.totals is not None:
            tot = queue.totals
            active = tot.total - tot.finished - tot.counts.get(WAITING, 0)
            failed = tot.counts.get(FAILED, 0)
            if active or failed or tot.planning:
                bits = [f"{active} active"] + ([f"{tot.planning} planning"] if tot.planning else [])
                t.append(
                    f"  queue: {', '.join(bits)}" + (", paused" if tot.paused else ""), style="bold"
                )
                if failed:
                    t.append(f", {failed} failed", style="bold red")
        self.update(t)
