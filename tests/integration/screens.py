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
            assert overflow <= 0, f"{name} scrolls sideways at {width}px ({overflow}px)"
    page.set_viewport_size({"width": 1280, "height": 900})
