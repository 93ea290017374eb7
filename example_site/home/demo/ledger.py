"""What ``portal_demo`` created, so that it changes nothing else.

Every object the demo makes is written down (``home.DemoObject``). On a
later run the demo updates or reuses only those; an object found under a
demo key that the demo did not create is left exactly as it is."""

from django.contrib.contenttypes.models import ContentType
from wagtail.models import Page

from ..models import DemoObject


class Ledger:
    def __init__(self):
        self._owned = set(DemoObject.objects.values_list("content_type_id", "object_id"))
        self.left_alone = []  # (label, why) for the summary

    @staticmethod
    def _key(obj):
        # Pages are written down as Page, whichever class they are read as.
        model = Page if isinstance(obj, Page) else type(obj)
        return ContentType.objects.get_for_model(model).pk, str(obj.pk)

    def owns(self, obj):
        return obj is not None and self._key(obj) in self._owned

    def mark(self, obj):
        key = self._key(obj)
        if key not in self._owned:
            DemoObject.objects.get_or_create(content_type_id=key[0], object_id=key[1])
            self._owned.add(key)
        return obj

    def create(self, model, **fields):
        obj = model(**fields)
        obj.save()
        return self.mark(obj)

    def ensure(self, model, lookup, defaults=None, update=False):
        """The demo's object for ``lookup``: created (and marked) when absent,
        updated with ``defaults`` when the demo owns it and ``update`` is set,
        and ``None`` when someone else's object holds the key."""
        defaults = defaults or {}
        obj = model._default_manager.filter(**lookup).first()
        if obj is None:
            return self.create(model, **lookup, **defaults)
        if not self.owns(obj):
            self.left_alone.append((f"{model._meta.verbose_name} {lookup}", "not created by portal_demo"))
            return None
        if update:
            changed = [name for name, value in defaults.items() if getattr(obj, name) != value]
            for name in changed:
                setattr(obj, name, defaults[name])
            if changed:
                obj.save()
        return obj
