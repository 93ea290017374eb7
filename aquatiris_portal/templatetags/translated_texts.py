"""Markup and texts worked out once per language (and whatever else they
depend on) and kept for the process: the header's fixed texts
(portal_shell.py), the idle warning's dialog (portal_session.py).

A catalogue does not change while a process runs, but for two events, after
which every kept value is forgotten: a changed setting (tests: LANGUAGES,
LOCALE_PATHS, STATIC_URL...) and a ``.mo`` file rewritten under runserver
(Django reloads its catalogues then, without a restart)."""

import weakref
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, Generic, TypeVar

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.autoreload import file_changed
from django.utils.translation import get_language

Value = TypeVar("Value")

_memos: "weakref.WeakSet[PerLanguage]" = weakref.WeakSet()  # a memo dropped is not kept alive here


class PerLanguage(Generic[Value]):
    """``build()``'s value for the active language and ``key``, built once.
    ``bound``: a guard, not a size (a handful of languages and keys); past it
    the memo starts again."""

    def __init__(self, bound: int = 64) -> None:
        self.bound = bound
        self.values: dict[tuple, Value] = {}
        _memos.add(self)

    def get(self, build: Callable[[], Value], *key: Hashable) -> Value:
        full_key = (get_language(), *key)
        value = self.values.get(full_key)
        if value is None:
            value = build()
            if len(self.values) >= self.bound:
                self.values.clear()
            self.values[full_key] = value
        return value

    def clear(self) -> None:
        self.values.clear()


def forget_all() -> None:
    for memo in list(_memos):
        memo.clear()


@receiver(setting_changed, dispatch_uid="aquatiris_portal.templatetags.translated_texts.setting_changed")
def _forget_on_setting_changed(**kwargs: Any) -> None:
    forget_all()


@receiver(file_changed, dispatch_uid="aquatiris_portal.templatetags.translated_texts.file_changed")
def _forget_on_catalogue_changed(sender: Any, file_path: Path, **kwargs: Any) -> None:
    # Returns None: the autoreloader restarts unless a receiver (Django's own, for .mo) says it handled the file.
    if file_path.suffix == ".mo":
        forget_all()
