"""The header's texts and the idle warning's dialog are worked out once per
language (templatetags/translated_texts.py): a page in one language never
gets another's, and a changed setting or a rewritten catalogue (.mo, reloaded
by runserver without a restart) leaves no stale text behind."""

from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.signals import setting_changed
from django.template import Context
from django.utils import translation
from django.utils.autoreload import file_changed
from hypothesis import given
from hypothesis import strategies as st

from aquatiris_portal.templatetags import portal_session, portal_shell
from aquatiris_portal.templatetags.translated_texts import PerLanguage, forget_all


@pytest.fixture(autouse=True)
def fresh(settings):
    """The idle warning shown (set once: each change of a setting forgets every text)."""
    settings.AQUATIRIS_PORTAL_SESSION_IDLE_SECONDS = 1800
    forget_all()
    yield
    forget_all()


def _dialog(language):
    request = SimpleNamespace(user=SimpleNamespace(is_authenticated=True))
    with translation.override(language):
        return portal_session.portal_idle_warning(Context({"request": request}))


def _header_text(language, msgid="Log out"):
    with translation.override(language):
        return portal_shell._texts()[msgid]


def test_switching_language_gives_that_language_s_texts():
    assert [_header_text(lang) for lang in ("fr", "en", "fr")] == ["Se déconnecter", "Log out", "Se déconnecter"]
    french, english = _dialog("fr"), _dialog("en")
    assert "Êtes-vous toujours là" in french and "Are you still there?" in english
    assert _dialog("fr") == french


def _setting_changed():
    setting_changed.send(sender=None, setting="LOCALE_PATHS", value=[], enter=True)


def _catalogue_rewritten():
    file_changed.send(sender=None, file_path=Path("locale/fr/LC_MESSAGES/django.mo"))


@pytest.mark.parametrize("forget", [_setting_changed, _catalogue_rewritten])
def test_a_changed_setting_or_catalogue_leaves_no_stale_text(forget):
    header, dialog = _header_text("fr"), _dialog("fr")
    assert header == "Se déconnecter" and "Êtes-vous toujours là" in dialog
    catalogue = mock.Mock(side_effect=lambda msgid: f"new {msgid}")
    with mock.patch.object(portal_shell, "gettext", catalogue), mock.patch.object(portal_session, "gettext", catalogue):
        assert (_header_text("fr"), _dialog("fr")) == (header, dialog)  # kept: no gettext call on a warm page
        assert catalogue.call_count == 0
        forget()
        assert _header_text("fr") == "new Log out"
        assert "new Are you still there?" in _dialog("fr")


def test_another_file_changed_keeps_the_texts():
    _header_text("fr")
    with mock.patch.object(portal_shell, "gettext", lambda msgid: f"new {msgid}"):
        file_changed.send(sender=None, file_path=Path("aquatiris_portal/views.py"))
        assert _header_text("fr") == "Se déconnecter"


@given(
    calls=st.lists(st.tuples(st.sampled_from(["fr", "en", "de"]), st.integers(0, 3)), max_size=40),
    bound=st.integers(1, 6),
)
def test_a_value_is_built_once_for_its_language_and_key_and_never_served_to_another(calls, bound):
    memo = PerLanguage(bound=bound)
    built = []

    def build(language, key):
        built.append((language, key))
        return (language, key)

    for language, key in calls:
        with translation.override(language):
            assert memo.get(lambda language=language, key=key: build(language, key), key) == (language, key)
        assert len(memo.values) <= bound
    if len({*calls}) <= bound:
        assert sorted(built) == sorted({*calls})  # each once while the memo holds them all
