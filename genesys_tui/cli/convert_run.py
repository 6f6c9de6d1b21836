"""What `convert` does with its files, whoever prints it (cli/media.py with rich, and its bars;
cli/convert_lean.py with plain lines): the options from the arguments and the config, then each
file converted, one at a time, a failure never stopping the others."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from genesys_tui.core.files import sweep_temps
from genesys_tui.media.convert import ConvertOptions, convert_file
from genesys_tui.media.errors import MediaError

Said = Callable[[str, bool], None]  # (a line, whether it says a failure)


def options(a, media) -> ConvertOptions:
    """ValueError for a combination that cannot be (exit 2)."""
    return ConvertOptions(
        format=a.format,
        mode=a.mode,
        rate=a.rate,
        depth=a.depth,
        bitrate=a.bitrate or media.opus_bitrate,
        customer_channel=media.customer_channel,
        agent_channel=media.agent_channel,
    )


def convert_all(files: list[str], to: str | None, opts: ConvertOptions, say: Said, progress) -> int:
    """Convert each file (into `to`, or beside it); how many failed. `progress` has Rich's
    Progress task methods (add_task, update, remove_task)."""
    out = Path(to).expanduser() if to else None
    for d in {out} if out else {Path(n).parent for n in files}:
        sweep_temps(d)  # what a killed run left behind
    failures = 0
    for name in files:
        src = Path(name)
        task = progress.add_task(src.name[:40], total=None)

        def report(done: int, total: int | None, task=task) -> None:
            progress.update(task, completed=done, total=total)

        try:  # one file at a time: Opus decodes on both cores
            outs = convert_file(src, out or src.parent, opts, report, threads=2)
        except MediaError as e:
            failures += 1
            say(str(e), True)
        except Exception as e:  # noqa: BLE001 - one bad file never stops the others
            failures += 1
            say(f"{src}: cannot convert ({type(e).__name__}: {str(e)[:200]})", True)
        else:
            say(f"{src} → {', '.join(str(o) for o in outs)}", False)
        finally:
            progress.remove_task(task)
    if failures:
        say(f"{failures} of {len(files)} file(s) failed", True)
    return failures


class NoBars:
    """Rich's Progress task methods, drawing nothing (where nobody watches a bar)."""

    def add_task(self, *a, **k) -> int:
        return 0

    def update(self, *a, **k) -> None:
        return None

    def remove_task(self, task: int) -> None:
        return None
