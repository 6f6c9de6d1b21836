"""What a newcomer expects of any TUI: screenshots that land somewhere that exists and say where,
from the palette as from F8, dialogs included."""

from __future__ import annotations

from genesys_tui.tui.screens.dialogs import PromptDialog
from tests.tui.conftest import SIZE, idle, make_app, notes, settle, wait_for


async def test_a_screenshot_lands_in_the_data_directory_and_says_where(
    emulator, tmp_path, monkeypatch
):
    monkeypatch.setenv("HOME", str(tmp_path / "nohome"))  # no ~/Downloads here
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert titles.count("Screenshot") == 1
        await pilot.press("o")  # a dialog open: F8 still works
        await wait_for(pilot, lambda: isinstance(app.screen, PromptDialog))
        await pilot.press("f8")
        await idle(pilot)
        shots = list((tmp_path / "data" / "screenshots").glob("*.svg"))
        assert len(shots) == 1
        assert "Open&#160;conversation&#160;by&#160;ID" in shots[0].read_text()  # the dialog too
        assert any(str(shots[0]) in n.message for n in notes(app))


async def test_the_selected_call_stays_selected_through_sorting_and_filtering(emulator, tmp_path):
    from genesys_tui.tui.widgets.detail import DetailPane
    from genesys_tui.tui.widgets.virtual_table import VirtualTable

    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        browse = app.area("browse")
        table = browse.query_one(VirtualTable)
        table.cursor = 5
        chosen = browse.selected().conversation_id
        pane = browse.query_one(DetailPane)
        for key in ("s", "s", "S"):  # sort by other columns, then reverse
            await pilot.press(key)
            await idle(pilot)
            assert browse.selected().conversation_id == chosen
            await wait_for(pilot, lambda: chosen in pane.plain())
        await pilot.press("slash")
        await pilot.press(*chosen[:8])  # a filter that keeps it
        await idle(pilot)
        assert browse.selected().conversation_id == chosen and len(browse.model) >= 1
        await pilot.press("escape", "escape")  # clear the filter: the whole list, same call
        await idle(pilot)
        assert len(browse.model) > 5 and browse.selected().conversation_id == chosen


async def test_esc_in_review_goes_back_to_where_it_was_opened(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")  # the selected conversation in Review
        await wait_for(pilot, lambda: app.current_mode == "review")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.current_mode == "browse")
        await pilot.press("3", "r")  # r on a call with one recording (or none) says so
        await idle(pilot)
        assert any("recording" in n.message for n in notes(app))


async def test_backspace_and_q_go_back_and_colon_jumps(emulator, tmp_path):
    """Backspace and q leave Review, a dialog and help, except where a text field has the focus
    (there they edit); `:` opens the palette; q in a top-level area asks to quit."""
    from textual.command import CommandPalette
    from textual.widgets import Input

    from genesys_tui.tui.screens.dialogs import ConfirmDialog
    from genesys_tui.tui.screens.help import HelpScreen

    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        for key in ("backspace", "q"):
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.current_mode == "review")
            await pilot.press("slash", "x", "backspace")  # in the search box: edits
            await idle(pilot)
            assert app.current_mode == "review"
            assert app.screen.query_one("#search", Input).value == ""
            await pilot.press("escape")  # out of the search box
            await idle(pilot)
            await pilot.press(key)
            await wait_for(pilot, lambda: app.current_mode == "browse")
        await pilot.press("o")  # a prompt: q is a letter of the answer there
        await wait_for(pilot, lambda: isinstance(app.screen, PromptDialog))
        await pilot.press("q")
        await idle(pilot)
        assert isinstance(app.screen, PromptDialog)
        assert app.screen.query_one(Input).value == "q"
        await pilot.press("escape")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("backspace")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))
        await pilot.press("colon")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette))
        app.push_screen(ConfirmDialog("Sure?", "Something.", "Yes"))
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("q")  # closes the dialog, not the app
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmDialog))
        assert app.is_running
        await pilot.press("q")  # in Browse (nothing queued): quits
        await wait_for(pilot, lambda: not app.is_running)


async def test_the_theme_picked_is_remembered(emulator, tmp_path):
    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.theme = "nord"
        await idle(pilot)
    again = make_app(emulator, tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot, again)
        assert again.theme == "nord"


async def test_a_bad_interval_keeps_the_dialog_open_with_the_reason(emulator, tmp_path):
    from textual.widgets import Input, Static

    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptDialog))
        box = app.screen.query_one(Input)
        assert "/" in box.value  # the current interval, to edit
        box.value = "2026-13-45"
        await pilot.press("enter")
        await idle(pilot)
        assert isinstance(app.screen, PromptDialog)  # still open, saying why
        assert str(app.screen.query_one("#error", Static).render()).strip()
        box.value = "2026-05-13"
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, PromptDialog))
        assert app.area("browse").interval_name == "custom"


async def test_filters_apply_with_ctrl_s_from_any_field(emulator, tmp_path):
    from textual.widgets import Input

    from genesys_tui.tui.screens.dialogs import FilterDialog

    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, FilterDialog))
        app.screen.query_one("#ani", Input).value = "+13175550123"
        app.screen.query_one("#queue").focus()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, FilterDialog))
        assert app.area("browse").filter.ani == "+13175550123"


async def test_quitting_with_downloads_unfinished_asks_first(emulator, tmp_path):
    from genesys_tui.tui.screens.dialogs import ConfirmDialog
    from tests.tui.test_flows import queue_first_recorded

    app = make_app(emulator, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.services.pull.toggle_pause()  # so the download stays unfinished
        await queue_first_recorded(pilot, app)
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert "resume" in str(app.screen.body)
        await pilot.press("escape")  # stay
        await idle(pilot)
        assert app.is_running


async def test_toasts_never_cover_a_dialogs_buttons(emulator, tmp_path):
    from textual.widgets import Button
    from textual.widgets._toast import Toast

    from genesys_tui.tui.screens.dialogs import ConfirmDialog

    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot, app)
        app.push_screen(ConfirmDialog("Barge?", "\n".join(["A long explanation."] * 12), "Barge"))
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        for n in range(4):
            app.notify(f"something happened, number {n}, with a long message to wrap", timeout=30)
        await idle(pilot)
        buttons = [b.region for b in app.screen.query(Button)]
        toasts = [t.region for t in app.screen.query(Toast)]
        assert buttons and toasts
        assert not any(t.overlaps(b) for t in toasts for b in buttons)


async def test_a_narrow_table_hides_columns_in_order_and_cuts_none(emulator, tmp_path):
    """At 100 columns Browse cannot show every column: the ID, ANI and wrap-up hide (in that
    order), queue and agent shrink, and what is shown fits whole, with no sideways scrolling;
    Supervise keeps a state word and "SECURE PAUSE" whole; Review's phrases fill the width."""
    from genesys_tui.tui.widgets.virtual_table import VirtualTable

    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        table = app.area("browse").query_one(VirtualTable)
        keys = [c.key for c in table.columns]
        assert keys[:3] == ["mark", "start", "duration"] and {"queue", "agent"} <= set(keys), keys
        assert "id" not in keys
        assert table.virtual_size.width <= table.size.width  # nothing to scroll to
        header = table.render_line(0).text
        for c in table.columns:
            assert c.title in header, (c.title, header)
        await pilot.press("4")
        await wait_for(pilot, lambda: app.area("supervise") is not None)
        calls = app.area("supervise").query_one(VirtualTable)
        await wait_for(pilot, lambda: calls.row_count > 0)
        states = {c.key: c.width for c in calls.columns}
        assert states["state"] >= len("disconnected") and states["recording"] >= 12
        assert calls.virtual_size.width <= calls.size.width


async def test_dialogs_keep_their_buttons_on_a_small_terminal(emulator, tmp_path):
    """At 80x24 a long confirmation, and the Filters dialog at 100x30, scroll their body and
    keep every button on screen (Tab reaches them)."""
    from textual.widgets import Button

    from genesys_tui.tui.screens.dialogs import ConfirmDialog, FilterDialog

    app = make_app(emulator, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        body = "\n".join(f"check {n}: fine" for n in range(40))
        app.push_screen(ConfirmDialog("Barge?", body, "Barge", danger=True))
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await idle(pilot)
        screen = app.screen.region
        buttons = [b.region for b in app.screen.query(Button)]
        assert len(buttons) == 2 and all(screen.contains_region(b) for b in buttons), buttons
        await pilot.press("escape")
    app = make_app(emulator, tmp_path / "b")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, FilterDialog))
        await idle(pilot)
        screen = app.screen.region
        buttons = [b.region for b in app.screen.query(Button)]
        assert len(buttons) == 3 and all(screen.contains_region(b) for b in buttons), buttons
