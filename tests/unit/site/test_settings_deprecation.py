"""A renamed setting keeps working for one minor version: reading the new
name falls back to the old one with a RemovedInAquatirisPortalXXWarning, and
system check aquatiris_portal.W020 names both (conf.RENAMED_SETTINGS)."""

import configparser
import re
import warnings
from pathlib import Path

import pytest
from django.core import checks

from aquatiris_portal import conf
from aquatiris_portal.conf import RemovedInAquatirisPortal03Warning, app_settings

ROOT = Path(__file__).resolve().parents[3]


def _version(text):
    return tuple(int(part) for part in re.findall(r"\d+", text)[:2])


@pytest.fixture
def renamed(monkeypatch):
    """UPLOAD_MAX_FILES was once called ATTACHMENTS_PER_REQUEST (a made-up rename)."""
    monkeypatch.setattr(
        conf, "RENAMED_SETTINGS", {"ATTACHMENTS_PER_REQUEST": ("UPLOAD_MAX_FILES", RemovedInAquatirisPortal03Warning)}
    )


def _w020():
    found = checks.run_checks(tags=[checks.Tags.compatibility])
    return [message for message in found if message.id == "aquatiris_portal.W020"]


def test_the_new_name_reads_the_old_setting_with_a_deprecation_warning_naming_both(renamed, settings):
    settings.AQUATIRIS_PORTAL_ATTACHMENTS_PER_REQUEST = 3
    with pytest.warns(RemovedInAquatirisPortal03Warning) as caught:
        assert app_settings.UPLOAD_MAX_FILES == 3
    [warning] = caught
    message = str(warning.message)
    assert "AQUATIRIS_PORTAL_ATTACHMENTS_PER_REQUEST" in message and "AQUATIRIS_PORTAL_UPLOAD_MAX_FILES" in message
    assert "0.3" in message
    assert warning.filename == __file__  # points at the reader, not at conf.py
    assert issubclass(RemovedInAquatirisPortal03Warning, DeprecationWarning)


def test_the_new_name_wins_silently_when_both_are_set(renamed, settings):
    settings.AQUATIRIS_PORTAL_ATTACHMENTS_PER_REQUEST = 3
    settings.AQUATIRIS_PORTAL_UPLOAD_MAX_FILES = 7
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert app_settings.UPLOAD_MAX_FILES == 7
    [found] = _w020()
    assert "ignored" in found.msg and "ATTACHMENTS_PER_REQUEST" in found.msg and "UPLOAD_MAX_FILES" in found.msg


def test_neither_name_set_gives_the_default_without_a_warning(renamed, settings):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert app_settings.UPLOAD_MAX_FILES == conf.DEFAULTS["UPLOAD_MAX_FILES"]
    assert _w020() == []


def test_the_system_check_names_the_old_and_the_new_setting(renamed, settings):
    settings.AQUATIRIS_PORTAL_ATTACHMENTS_PER_REQUEST = 3
    [found] = _w020()
    assert isinstance(found, checks.Warning)
    assert "AQUATIRIS_PORTAL_ATTACHMENTS_PER_REQUEST" in found.msg and "AQUATIRIS_PORTAL_UPLOAD_MAX_FILES" in found.msg
    assert "AQUATIRIS_PORTAL_UPLOAD_MAX_FILES" in found.hint


def test_the_package_reading_an_old_name_is_told_the_new_one(renamed):
    with pytest.raises(AttributeError, match="renamed UPLOAD_MAX_FILES"):
        app_settings.ATTACHMENTS_PER_REQUEST  # noqa: B018


def test_every_rename_points_at_a_known_setting_and_is_dropped_after_one_minor_version():
    """The table's promises: the new name is a setting, the old one is not,
    and the old name is removed in a version after the one being built (a
    release past it fails here until the rename's row is deleted)."""
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    current = _version(parser["metadata"]["version"])
    for old, (new, warning) in conf.RENAMED_SETTINGS.items():
        assert new in conf.DEFAULTS and old not in conf.DEFAULTS, old
        assert issubclass(warning, DeprecationWarning), old
        assert _version(warning.removed_in) > current, (old, warning.removed_in)
    assert _version(conf.RemovedInNextVersionWarning.removed_in) > current
