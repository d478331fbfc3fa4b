"""The report's pages as a reader sees them: rendered by a real headless browser (Debian's chromium).

``read(page)`` opens a page in Chromium and returns its rendered DOM, its visible text and how far it
overflows the window sideways; ``problems(read(page))`` lists what a reader must never see there.
Chromium missing is a failure naming what to install (``make browser-setup``), unless
``WORKBOOK_SKIP_BROWSER=1`` says no browser is wanted on this machine (CI never sets it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
MEASURE = (
    "<script>document.body.dataset.overflow = "
    "document.documentElement.scrollWidth - document.documentElement.clientWidth;</script></body>"
)
NOT_FOR_READERS = {
    "a Python dict or list": re.compile(r"\{'[^']*': |\[\('|\bdtype\b|<\w+(\.\w+)* object at 0x"),
    "nan, None or NaT": re.compile(r"\b(nan|NaN|NaT|<NA>)\b|\bNone\b(?!\s+of\b)"),  # "None of the top 20" is English
    "a '(s)' plural": re.compile(r"\w\(s\)"),
    "an absolute path": re.compile(r"(?<![\w.])/(tmp|home|work|root|usr|var|Users|private)/|\b[A-Z]:\\\\"),
    "a pandas index column": re.compile(r"<th>\s*</th>\s*<th"),
}


@dataclass
class Page:
    dom: str
    text: str
    overflow: int  # CSS pixels the page is wider than the window (0: nothing sticks out)


def browser() -> str:
    found = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
    if found:
        return found
    if os.environ.get("WORKBOOK_SKIP_BROWSER") == "1":
        pytest.skip("WORKBOOK_SKIP_BROWSER=1: no browser wanted on this machine")
    pytest.fail("the report's browser test needs Chromium: run 'make browser-setup' (Debian's chromium)")


def read(page: Path, width: int = 1280) -> Page:
    """The page rendered at ``width`` CSS pixels, after its layout (a copy beside it measures the overflow)."""
    probe = page.with_name(f".probe-{page.name}")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", MEASURE, 1), encoding="utf-8")
    try:
        dom = subprocess.run(
            [
                browser(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                f"--window-size={width},900",
                "--dump-dom",
                probe.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
    finally:
        probe.unlink()
    overflow = re.search(r'data-overflow="(-?\d+)"', dom)
    assert overflow, f"{page.name}: the browser did not lay the page out"
    return Page(dom, _visible_text(dom), max(int(overflow.group(1)), 0))


def problems(page: Page) -> list[str]:
    """What a reader must never see: raw reprs, nan/None, '(s)', absolute paths, console blocks."""
    found = [f"{what}: {m.group(0)!r}" for what, rx in NOT_FOR_READERS.items() for m in [rx.search(page.text)] if m]
    if re.search(r"<pre\b|<code\b|<samp\b|font-family:\s*monospace", page.dom):
        found.append("a console-style block (pre, code or monospace text)")
    if page.overflow:
        found.append(f"the page is {page.overflow}px wider than the window")
    return found


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _visible_text(dom: str) -> str:
    parser = _Text()
    parser.feed(dom)
    return " ".join(" ".join(parser.parts).split())
