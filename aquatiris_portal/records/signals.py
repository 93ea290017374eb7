"""Signals the records room sends; other rooms listen (data flows one way)."""

from django.dispatch import Signal

# Sent by the sync when a Client's or a Spanc's email changed.
# kwargs: record (Client or Spanc instance, already saved), old_email, new_email
email_changed = Signal()
