"""The user's keymap ([ui.keys]) and the theme's colours reach the app."""

from __future__ import annotations

from textual.theme import Theme

from genesys_tui.core.config import Config, UISettings
from genesys_tui.tui.screens.help import HelpScreen
from genesys_tui.tui.widgets.timeline import THEME_DEFAULTS, THEME_DEFAULTS_LIGHT, Timeline
from tests.tui.conftest import SIZE, make_app, notes, settle


async def test_keymap_from_the_config_remaps_and_names_typos(emulator, tmp_path):
    cfg = Config(ui=UISettings(keys={"app.help": "f2", "app.no-such-thing": "f3"}))
    app = make_app(emulator, tmp_path, config=cfg)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert any("app.no-such-thing" in n.message for n in notes(app))
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("question_mark")  # remapped: its old key no longer opens help
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_a_theme_sets_the_role_colours(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("3")
        await pilot.pause()
        timeline = app.screen.query_one(Timeline)
        assert timeline._colour("role-agent") == THEME_DEFAULTS["role-agent"]
        app.register_theme(
            Theme("mine", primary="#0000ff", dark=True, variables={"role-agent": "#123456"})
        )
        app.theme = "mine"
        await pilot.pause()
        assert timeline._colour("role-agent") == "#123456"
        assert timeline._colour("role-customer") == THEME_DEFAULTS["role-customer"]
        app.theme = "textual-light"  # a light theme: dark inks on the light background
        await pilot.pause()
        assert timeline._colour("role-agent") == THEME_DEFAULTS_LIGHT["role-agent"]
        assert timeline._colour("playing") == THEME_DEFAULTS_LIGHT["playing"]
        line = timeline.render_line(2)
        backgrounds = {seg.style.bgcolor for seg in line if seg.style and seg.style.bgcolor}
        assert backgrounds and all(sum(c.get_truecolor()) > 500 for c in backgrounds)  # light


async def test_colours_from_the_config_go_over_the_theme(emulator, tmp_path):
    cfg = Config(ui=UISettings(colors={"role-agent": "#123456", "role-ivr": "not a colour"}))
    app = make_app(emulator, tmp_path, config=cfg)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.theme.endswith("+colors")
        assert any("role-ivr" in n.message for n in notes(app))
        await pilot.press("3")
        await pilot.pause()
        timeline = app.screen.query_one(Timeline)
        assert timeline._colour("role-agent") == "#123456"
        assert timeline._colour("role-ivr") == THEME_DEFAULTS["role-ivr"]
