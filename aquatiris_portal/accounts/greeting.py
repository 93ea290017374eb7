"""The greeting of one person: notifications/greeting.py (enquiries' mails
greet alike, and enquiries do not import accounts)."""

from ..notifications.greeting import greeting_name

__all__ = ["greeting_name"]
