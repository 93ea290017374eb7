"""Who editors' content is written for. The values are stored in the
database and compared by ``access.article_audiences_for``."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Audience(models.TextChoices):
    CLIENTS = "clients", _("Clients")
    PROS = "pros", _("Pros (SPANC)")
    BOTH = "both", _("Clients and pros")


def audiences_matching(audience):
    """Stored audiences an item must have to be shown to ``audience``
    ("clients" shows the clients' items and those for both)."""
    if audience == Audience.BOTH:
        return [Audience.CLIENTS, Audience.PROS, Audience.BOTH]
    return [audience, Audience.BOTH]
