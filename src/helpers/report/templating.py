"""The report's pages from templates (Jinja2, in ``templates/``): one stylesheet, one way to show a table.

A table reaches a template as headers and rows of text already formatted by ``helpers.text`` (money,
shares, dates: never a raw float, ``nan`` or ``None``), each cell marked as a number (right-aligned),
a date (on one line) or text, so every page shows figures the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import jinja2
import pandas as pd
from markupsafe import Markup, escape

from helpers import text

ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("helpers.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,  # a missing figure is an error here, never a blank on the page
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def _as_is(v) -> str:
    return v if isinstance(v, Markup) else str(v)  # HTML built here (``account``) stays HTML


@dataclass(frozen=True)
class Column:
    key: str  # the artifact's column
    header: str  # what the reader sees
    show: Callable = _as_is  # value -> text
    kind: str = "text"  # "number": right-aligned; "short": kept on one line (dates, names)


def table(frame: pd.DataFrame, columns: list[Column]) -> dict:
    """Headers and formatted rows for ``templates/table.html.j2``; a column the frame lacks is left out
    (optional data), and a missing value reads as a dash."""
    cols = [c for c in columns if c.key in frame]
    rows = [
        [(text.DASH if _missing(row[c.key]) else c.show(row[c.key]), c.kind) for c in cols]
        for _, row in frame.iterrows()
    ]
    return {"headers": [(c.header, c.kind) for c in cols], "rows": rows}


def account(name, account_id) -> Markup:
    """An account as a person names it, with its id beside it (both, on every page)."""
    return Markup('{}<span class="id">{}</span>').format(name, account_id)


def _missing(v) -> bool:
    return text.missing(v) or (isinstance(v, str) and v == "")


def render(template: str, **context) -> str:
    return ENV.get_template(template).render(style=ENV.get_template("report.css").render(), **context)


__all__ = ["Column", "Markup", "account", "escape", "render", "table"]
