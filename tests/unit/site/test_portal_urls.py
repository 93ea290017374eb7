"""The shell's URLs and static files, kept per process (templatetags/portal_urls.py),
are what ``reverse`` and ``static`` answer for the same prefix, language and settings."""

from django.templatetags.static import static
from django.test import override_settings
from django.urls import clear_script_prefix, reverse, set_script_prefix
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from aquatiris_portal.templatetags.portal_urls import portal_static, portal_url

NAMES = [("password_change", ()), ("notification_preferences", ()), ("logout", ()), ("keep_alive", ())]
NAMES += [("choose_space", ()), ("people", ("client",)), ("people", ("spanc",))]
prefixes = st.sampled_from(["/", "/site/", "/a b/", "/é/"])


@settings(max_examples=80, deadline=None)
@given(name=st.sampled_from(NAMES), prefix=prefixes, language=st.sampled_from(["fr", "en"]))
def test_a_kept_url_is_what_reverse_gives(name, prefix, language):
    set_script_prefix(prefix)
    try:
        with translation.override(language):
            for _ in range(2):  # the first call keeps it, the second reads it
                assert portal_url(name[0], *name[1]) == reverse(f"aquatiris_portal:{name[0]}", args=name[1] or None)
    finally:
        clear_script_prefix()


@settings(max_examples=30, deadline=None)
@given(path=st.sampled_from(["aquatiris_portal/menu.js", "aquatiris_portal/idle.js"]), prefix=prefixes)
def test_a_kept_static_url_is_what_static_gives(path, prefix):
    set_script_prefix(prefix)
    try:
        assert portal_static(path) == static(path) == portal_static(path)
    finally:
        clear_script_prefix()


def test_a_changed_setting_is_seen():
    before = portal_static("aquatiris_portal/menu.js")
    with override_settings(STATIC_URL="/elsewhere/"):
        assert portal_static("aquatiris_portal/menu.js").startswith("/elsewhere/")
    assert portal_static("aquatiris_portal/menu.js") == before
