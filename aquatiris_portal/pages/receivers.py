"""Receivers of the pages room, connected by aquatiris_portal/signals.py."""

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from . import view_as_client


@receiver(user_logged_out, dispatch_uid="aquatiris_portal.pages.end_view_as_on_logout")
def end_view_as_on_logout(sender, request, user, **kwargs):
    """Every logout (the portal's, Wagtail's, the idle or longest-session one)
    ends a « voir comme un client » view, logged: Django sends this signal
    before it empties the session, while the view and its user are known.
    ``end`` forgets the view, so it is logged once."""
    if request is not None and getattr(request, "session", None) is not None:
        view_as_client.end(request, reason="logout")
