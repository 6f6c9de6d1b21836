"""One package per user flow: what the CLI and the TUI both call. No textual, no rich."""
