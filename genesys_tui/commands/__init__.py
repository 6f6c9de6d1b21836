"""Headless commands of the CLI. Each module runs the same core code the TUI uses."""
