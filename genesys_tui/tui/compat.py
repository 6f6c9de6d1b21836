"""A workaround for a Textual 8.2 compositor bug, applied once at import.

After a scroll-only reflow, `Compositor.full_map` rebuilds the widget map and forgets the visible
widgets, but keeps the line "cuts" computed from the scroll-time map. Regions that the scroll-time
map did not have (the Review screen's transcript, metrics and footer after a conversation loads)
then render blank until the next full layout. Forgetting the cuts with the map fixes it."""

from __future__ import annotations


def forget_cuts_with_the_map() -> None:
    from textual._compositor import Compositor

    prop = Compositor.__dict__.get("full_map")
    if not isinstance(prop, property) or getattr(prop.fget, "_forgets_cuts", False):
        return

    original = prop.fget

    def full_map(self):
        if self.root is not None and self._full_map_invalidated:
            self._cuts = None
            self._layers_visible = None
        return original(self)

    full_map.__dict__["_forgets_cuts"] = True  # marks the patch, so it is applied once
    Compositor.full_map = property(full_map, doc=prop.__doc__)  # type: ignore[method-assign]


forget_cuts_with_the_map()
