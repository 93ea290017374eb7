"""docs/install.md quotes docs/host_settings.py verbatim: the test fails as
soon as the two differ."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
BLOCK = re.compile(
    r"<!-- begin docs/host_settings.py -->\n```python\n(.*?)```\n<!-- end docs/host_settings.py -->", re.S
)


def readme_settings_block():
    found = BLOCK.findall((ROOT / "docs" / "install.md").read_text(encoding="utf-8"))
    assert len(found) == 1, "docs/install.md must quote docs/host_settings.py exactly once between its markers"
    return found[0]


def test_readme_quotes_the_host_settings_file_verbatim():
    assert readme_settings_block() == (ROOT / "docs" / "host_settings.py").read_text(encoding="utf-8")


def test_the_snippet_is_python_that_names_every_setting_the_checks_ask_for():
    source = (ROOT / "docs" / "host_settings.py").read_text(encoding="utf-8")
    compile(source, "docs/host_settings.py", "exec")
    for name in (
        "DRAMATIQ_BROKER",
        "AUTHENTICATION_BACKENDS",
        "LOGIN_URL",
        "WAGTAILADMIN_LOGIN_URL",
        "AQUATIRIS_PORTAL_PUBLIC_BASE_URL",
        "AQUATIRIS_PORTAL_RUN_JOBS_IN_PROCESS",
        "CACHES",
        "aquatiris_portal.accounts.middleware.SecondFactorMiddleware",
    ):
        assert name in source, name
