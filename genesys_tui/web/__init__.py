"""`genesys-tui web`: the TUI in a browser (textual-serve), behind a token."""
