"""Every bench script runs in its smoke mode (tiny sizes, nothing installed, RESULTS.md not
written), so a bench never breaks unseen; bench/all.py names them all."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).parents[2] / "bench"
SCRIPTS = sorted(
    p.stem for p in BENCH.glob("*.py") if not p.stem.startswith("_") and p.stem != "all"
)


def test_all_py_runs_every_bench():
    sys.path.insert(0, str(BENCH))
    try:
        import all as every  # bench/all.py

        assert sorted(every.BENCHES) == SCRIPTS
    finally:
        sys.path.remove(str(BENCH))
        sys.modules.pop("all", None)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("name", SCRIPTS)
def test_bench_smoke(name, tmp_path):
    results = BENCH / "RESULTS.md"
    before = results.read_bytes() if results.exists() else None
    r = subprocess.run(
        [sys.executable, str(BENCH / f"{name}.py"), "--smoke"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=230,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    assert "smoke" in r.stdout  # it knew it was a smoke: nothing written, nothing installed
    # tiny sizes judge nothing: no target is said met or missed
    assert not re.search(r"\*\*(met|MISSED|missed|NOT met)\*\*", r.stdout), r.stdout[-2000:]
    assert (results.read_bytes() if results.exists() else None) == before


def test_all_py_compares_figures_and_flags_the_worse():
    sys.path.insert(0, str(BENCH))
    try:
        import all as every

        before = every.figures(
            "## A (x)\n| m | g |\n|---|---|\n| open | 1.00 s |\n| rate | 100 /s |\n"
        )
        after = every.figures(
            "## A (y)\n| m | g |\n|---|---|\n| open | 1.30 s |\n| rate | 110 /s |\n"
        )
        lines = every.compare(before, after)
        assert any("open" in x and "WORSE" in x for x in lines)
        assert any("rate" in x and "WORSE" not in x for x in lines)
    finally:
        sys.path.remove(str(BENCH))
        sys.modules.pop("all", None)
