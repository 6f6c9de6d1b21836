"""genesys-tui: a terminal workbench for Genesys Cloud call media."""

__version__ = "0.1.0"
APP_NAME = "genesys-tui"
