"""The org's alert log: an occurrence is recorded once (whatever run raises it again), its end
noted, acknowledgements kept across reopening, and at most KEEP rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from genesys_tui.flows.supervise import alert_log
from genesys_tui.flows.supervise.alert_log import AlertLog
from genesys_tui.flows.supervise.alerts import HOLD, SILENCE, Alert

T = datetime(2026, 5, 14, 15, 0, tzinfo=UTC)


def test_once_cleared_acknowledged_and_kept(tmp_path, monkeypatch):
    path = tmp_path / "alerts.sqlite3"
    log = AlertLog(path)
    hold = Alert("c1", HOLD, "Ana on hold 2:00", T, "on hold since 15:00:00 UTC")
    assert log.raised(hold, "+1317 · Ana") and not log.raised(hold)  # once
    again = Alert("c1", HOLD, "Ana on hold 2:00", T + timedelta(minutes=9))  # a new hold
    assert log.raised(again)
    quiet = Alert("c2", SILENCE, "silent 1:05", T, "no words", ongoing=False, mark="15:01")
    assert log.raised(quiet) and not log.raised(
        Alert("c2", SILENCE, "x", T + timedelta(1), mark="15:01")
    )
    log.cleared(replace_text(hold, "Ana on hold 3:10"), T + timedelta(minutes=3))
    entries = {e.id: e for e in log.entries()}
    first = entries[alert_log.entry_id(hold)]
    assert first.text == "Ana on hold 3:10" and not first.ongoing and first.cleared
    assert first.label == "+1317 · Ana" and log.unacknowledged() == 3
    assert log.acknowledge([first.id]) == 1 and log.acknowledge([first.id]) == 0
    log.close()
    log = AlertLog(path)  # the next run
    assert (
        log.unacknowledged() == 2
        and [e.id for e in log.entries(unacknowledged=True)][-1] != first.id
    )
    assert log.acknowledge() == 2 and log.unacknowledged() == 0
    monkeypatch.setattr(alert_log, "KEEP", 5)
    for k in range(10):
        log.raised(Alert(f"x{k}", HOLD, "h", T))
    assert len(log.entries()) == 5 and log.entries()[0].conversation_id == "x9"
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def replace_text(a: Alert, text: str) -> Alert:
    from dataclasses import replace

    return replace(a, text=text)
