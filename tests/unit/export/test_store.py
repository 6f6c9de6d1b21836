"""The export history is read as untrusted: anything that is not one is a clear error."""

import pytest

from genesys_tui.flows.export.store import Export, ExportStore, Piece, StoreError


def test_round_trip_and_hostile_files(tmp_path):
    store = ExportStore(tmp_path / "exports.json")
    assert store.load() == []
    x = store.add(
        Export(0, "2026-01-01T00:00:00Z", "d", "i", {"action": "EXPORT"}, [Piece("a", "b")])
    )
    assert x.id == 1 and store.load()[0].pieces[0].start == "a"
    for bad in ('{"exports": ["x"]}', '{"exports": [{"id": "1"}]}', "[1]", "{", '{"exports": 5}'):
        store.path.write_text(bad)
        with pytest.raises(StoreError):
            store.load()
