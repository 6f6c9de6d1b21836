"""The bottom layer: config, credentials, paths, errors, formatting, intervals, files. Imports
nothing else of genesys_tui."""
