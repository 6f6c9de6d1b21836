"""How long the client waits before asking Genesys again about work that takes time (a transcode,
a batch download, a details job, a bulk export). One place, so that tests, which are not about
these waits, can shorten them all (tests/conftest.py's `unpaced`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pacing:
    transcode: float = 1.0  # after a 202 (still transcoding): the first wait, doubling to 10 s
    batch: float = 2.0  # between reads of a batch download request
    details_job: float = 3.0  # the first wait on an async analytics details job
    export: float = 5.0  # between reads of a bulk export job


PACING = Pacing()


def pacing() -> Pacing:
    return PACING
