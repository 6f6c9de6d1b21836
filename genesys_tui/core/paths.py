"""Where genesys-tui keeps its files (platformdirs; XDG variables are honoured on Linux)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from genesys_tui import APP_NAME

CONFIG_ENV = "GENESYS_TUI_CONFIG"


@dataclass(frozen=True)
class AppPaths:
    config_file: Path
    data_dir: Path
    cache_dir: Path
    log_dir: Path

    @property
    def log_file(self) -> Path:
        return self.log_dir / "genesys-tui.log"

    def ensure(self) -> None:
        for d in (self.data_dir, self.cache_dir, self.log_dir):
            d.mkdir(parents=True, exist_ok=True, mode=0o700)


def app_paths(config_override: str | os.PathLike[str] | None = None) -> AppPaths:
    """Paths in use. `--config` beats $GENESYS_TUI_CONFIG beats the platform default."""
    if config_override:
        config = Path(config_override).expanduser()
    elif os.environ.get(CONFIG_ENV):
        config = Path(os.environ[CONFIG_ENV]).expanduser()
    else:
        config = Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"
    return AppPaths(
        config_file=config,
        data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        cache_dir=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
        log_dir=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
    )
