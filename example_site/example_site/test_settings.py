"""Settings of the test suite (setup.cfg's DJANGO_SETTINGS_MODULE): the
example site as a demo. DEMO=1 is put in the environment, so the processes
the integration tests start with ``example_site.settings`` are demos too;
tests of the production settings start theirs with SECRET_KEY."""

import os

os.environ.setdefault("DEMO", "1")

from .settings import *  # noqa: E402,F401,F403
