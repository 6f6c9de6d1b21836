"""The app, typed, for the screens: `self.gapp` is `self.app` as the GenesysApp it is (Textual
types `self.app` as any App), so screens read its session, config and services without ignores."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.screen import Screen

if TYPE_CHECKING:
    from genesys_tui.tui.app import GenesysApp


BACK = "escape,backspace"  # back, out of a filter or a search (Backspace where no input has focus)


class AppScreen(Screen[None]):
    @property
    def gapp(self) -> GenesysApp:
        return cast("GenesysApp", self.app)

    async def release(self) -> None:
        """Let go of what the screen holds (a player, a sign-in) as the app shuts down."""
