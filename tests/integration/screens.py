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
