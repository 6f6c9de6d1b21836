"""MediaError: a bad input or a failed conversion, naming the file and the problem."""

from __future__ import annotations

from pathlib import Path

from genesys_tui.core.errors import UserError


class MediaError(UserError):
    def __init__(self, path: str | Path | None, problem: str, errno: int | None = None):
        self.path = str(path) if path is not None else None
        self.problem = problem
        self.errno = errno  # set when the cause was the OS refusing a write (ENOSPC: a full disk)
        super().__init__(f"{self.path}: {problem}" if self.path else problem)

    def __reduce__(self):  # crosses the process pool whole
        return (MediaError, (self.path, self.problem, self.errno))
