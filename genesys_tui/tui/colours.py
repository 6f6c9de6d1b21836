"""The app's own theme colours (roles, holds, what is playing), with their defaults for dark and
light themes: a theme may set any of them. Light to import: the app reads them at start."""

from __future__ import annotations

THEME_DEFAULTS = {
    "role-customer": "#5aa9ff",
    "role-agent": "#4ade80",
    "role-ivr": "#c084fc",
    "role-system": "#c084fc",
    "role-mixed": "#e5e7eb",
    "hold": "#3b3512",  # background under a hold
    "held": "#facc15",  # the dots marking a hold on the phrase lane
    "cut": "#f87171",  # where the recording left time out
    "playing": "#5c4a00",  # the phrase being heard
    "bookmark": "#fb923c",  # a bookmark's moment, on the ruler
}
# On a light theme the same roles in darker inks, holds and the phrase heard in pale washes.
THEME_DEFAULTS_LIGHT = {
    "role-customer": "#1d4ed8",
    "role-agent": "#15803d",
    "role-ivr": "#7e22ce",
    "role-system": "#7e22ce",
    "role-mixed": "#374151",
    "hold": "#fef3c7",
    "held": "#b45309",
    "cut": "#dc2626",
    "playing": "#fde68a",
    "bookmark": "#c2410c",
}
