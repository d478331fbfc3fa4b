"""What a notebook cell shows for a section that cannot apply: one line saying why, not an empty table.

A helper that cannot compute a table returns it with its columns and no rows (artifacts keep
their shape) and a *gap*: the reason, or "" when the section applies. ``table`` turns the two
into what the reader sees, so the notebook keeps one path.
"""

from __future__ import annotations

PREFIX = "Steps aside"


class Gap(str):
    """A one-line reason, shown in italics (Markdown) or as plain text."""

    def _repr_markdown_(self) -> str:
        return f"*{self}*"

    def __repr__(self) -> str:
        return str(self)


def table(frame, gap: str = "", said: bool = False):
    """``frame`` when the section applies (``gap`` empty); otherwise "Steps aside: <gap>." instead, or
    nothing at all when the section's reason was already shown above (``said``)."""
    if not gap:
        return frame
    return None if said else Gap(f"{PREFIX}: {gap.rstrip('.')}.")
