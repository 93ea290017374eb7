"""Where browser tests write their screenshots.

Normal runs write them to a temporary folder, so `make test` leaves the work
tree clean; `make screenshots` (PORTAL_UPDATE_SCREENSHOTS=1) refreshes the
committed ones under docs/screenshots/.
"""

import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def screenshot_dir():
    if os.environ.get("PORTAL_UPDATE_SCREENSHOTS"):
        return ROOT / "docs" / "screenshots"
    return Path(tempfile.gettempdir()) / "aquatiris-screenshots"


# The deepest elements that stick out to the right: what the failure names.
WIDEST_ELEMENTS = """() => {
  const limit = document.documentElement.clientWidth;
  const out = [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > limit + 1);
  return out.filter(e => ![...e.children].some(c => out.includes(c))).slice(0, 5)
    .map(e => e.tagName.toLowerCase() + (e.className ? "." + String(e.className).split(" ").join(".") : "")
         + " " + Math.round(e.getBoundingClientRect().right));
}"""


def shoot(page, name, widths=(1280, 360), overflow_widths=None):
    """Screenshot the current screen full page at each width (``name-WIDTH.png``)
    and assert it does not scroll sideways (at ``overflow_widths``, default all)."""
    folder = screenshot_dir()
    folder.mkdir(parents=True, exist_ok=True)
    overflow_widths = widths if overflow_widths is None else overflow_widths
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
        if width in overflow_widths:
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            wide = [] if overflow <= 0 else page.evaluate(WIDEST_ELEMENTS)
            assert overflow <= 0, f"{name} scrolls sideways at {width}px ({overflow}px): {wide}"
    page.set_viewport_size({"width": 1280, "height": 900})
