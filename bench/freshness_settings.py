"""Settings of the freshness benchmark's site (bench/freshness.py): the
example site's production settings, with the push's secret from the
environment (the example site does not read it from there)."""

import os

from example_site.production import *  # noqa: F401,F403

AQUATIRIS_PORTAL_PUSH_SECRET = os.environ["AQUATIRIS_PORTAL_PUSH_SECRET"]
