"""MediaError: a bad input or a failed conversion, naming the file and the problem."""

from __future__ import annotations

from pathlib import Path


class MediaError(Exception):
    def __init__(self, path: str | Path | None, problem: str):
        self.path = str(path) if path is not None else None
        self.problem = problem
        super().__init__(f"{self.path}: {problem}" if self.path else problem)
