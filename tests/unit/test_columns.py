"""How a table fits a narrow terminal: columns hide in their order, shrink to their minimum, and
the fill column takes what is left."""

from genesys_tui.flows.browse.table import COLUMNS, Column, fit_columns


def keys(cols):
    return [c.key for c in cols]


def test_everything_fits_at_full_width():
    width = sum(c.width + 1 for c in COLUMNS)
    assert fit_columns(COLUMNS, width) == tuple(COLUMNS)


def test_columns_hide_in_their_order_and_shrink_before_the_next_hides():
    shown = fit_columns(COLUMNS, 60)
    assert keys(shown) == ["start", "duration", "direction", "queue", "agent", "recording"]
    assert sum(c.width + 1 for c in shown) <= 60
    by_key = {c.key: c.width for c in shown}
    assert 10 <= by_key["queue"] < 16 and 10 <= by_key["agent"] < 16
    # a little wider (not enough for the wrap-up): the shrunk ones grow back, evenly
    wider = {c.key: c.width for c in fit_columns(COLUMNS, 66)}
    assert "wrapup" not in wider
    assert wider["queue"] > by_key["queue"] and wider["agent"] > by_key["agent"]
    assert keys(fit_columns(COLUMNS, 58)) == ["start", "duration", "queue", "agent", "recording"]


def test_the_fill_column_takes_what_is_left():
    cols = (Column("time", "Time", 8), Column("text", "Phrase", 12, fill=True))
    fitted = fit_columns(cols, 80)
    assert [c.width for c in fitted] == [8, 80 - 9 - 1]


def test_too_narrow_for_the_columns_that_never_hide():
    cols = (Column("a", "A", 20), Column("b", "B", 20), Column("c", "C", 9, hide=1))
    assert keys(fit_columns(cols, 30)) == ["a", "b"]  # scrolls sideways; never drops a or b
