"""Every bench, one after another, each in its own process.

Run: python bench/all.py           every bench at full size (they install the tools they compare
                                   with, and rewrite their sections of bench/RESULTS.md); then each
                                   figure beside the one RESULTS.md had before, flagging any that
                                   got more than 15% worse
     python bench/all.py --smoke   every bench at tiny sizes, in seconds, nothing installed or
                                   written (the test suite runs this, so no bench breaks unseen)
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
BENCHES = [
    "emulator",
    "media",
    "opus_floor",
    "review",
    "queue",
    "export",
    "live",
    "tui",
    "tempo",
    "scale",
]
WORSE = 0.15  # flagged when a figure is more than this much worse than before
NUMBER = re.compile(r"-?\d[\d,]*\.?\d*")


def run(name: str, smoke: bool) -> tuple[int, float]:
    cmd = [sys.executable, str(HERE / f"{name}.py"), *(["--smoke"] if smoke else [])]
    print(f"+ {' '.join(cmd[1:])}", flush=True)
    t = time.perf_counter()
    code = subprocess.run(cmd, cwd=HERE.parent).returncode
    return code, time.perf_counter() - t


def figures(text: str) -> dict[tuple[str, str], str]:
    """Each table row's own figure (its second cell), keyed by section and first cell."""
    out, section = {}, ""
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:].split(" (")[0].strip()
        elif line.startswith("|") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if len(cells) >= 2 and NUMBER.search(cells[1]):
                out[(section, cells[0])] = cells[1]
    return out


def first_number(cell: str) -> float | None:
    m = NUMBER.search(cell.replace("**", ""))
    return float(m.group().replace(",", "")) if m else None


def higher_is_better(label: str, cell: str) -> bool:
    """Rates and ratios grow when things get better; times and memory shrink."""
    text = f"{label} {cell}".lower()
    return "/s" in text or "x " in cell.lower() or cell.lower().rstrip("*").endswith("x")


def compare(before: dict, after: dict) -> list[str]:
    lines = []
    for key, new in after.items():
        old = before.get(key)
        a, b = first_number(old or ""), first_number(new)
        if old is None or a is None or b is None or a == 0:
            lines.append(f"  {key[0]} | {key[1][:70]}: {new}  (new)")
            continue
        change = (b - a) / abs(a)
        worse = -change if higher_is_better(key[1], new) else change
        flag = "  <-- WORSE by more than 15%" if worse > WORSE else ""
        lines.append(f"  {key[0]} | {key[1][:70]}: {old} -> {new}{flag}")
    return lines


def main() -> int:
    smoke = "--smoke" in sys.argv
    before = figures(RESULTS.read_text()) if RESULTS.exists() else {}
    failed = []
    for name in BENCHES:
        code, took = run(name, smoke)
        print(f"  {name}: exit {code} in {took:.1f} s", flush=True)
        if code:
            failed.append(name)
    if not smoke:
        print("\nEach figure beside the previous RESULTS.md:")
        print("\n".join(compare(before, figures(RESULTS.read_text()))))
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
        return 1
    print(f"\nall {len(BENCHES)} benches ran{' (smoke)' if smoke else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
