"""The `genesys-tui` command: argparse in main.py, one thin module per command."""
