"""A logging filter that takes link tokens out of log lines.

Django writes the request's path into some of its own log lines: a CSRF
failure (``django.security.csrf``: "Forbidden (...): /portail/reponse/<token>/"),
a 4xx or 5xx answer (``django.request``: "Not Found: ..."), each request of
``runserver`` (``django.server``). A path that carries a link's token (the
franchisee's reply link, an activation or reset link, an unsubscribe or a
download link) would make the server's log a list of working links. This
filter replaces, in the formatted message, every token of a URL pattern
whose argument is named ``*token*`` with ``[redacted]``: the tokens of the
record's request (``record.request.resolver_match``) and those of any
path in the message that resolves to such a pattern.

The package adds it to those three loggers when it starts (``install``, from
``AppConfig.ready``): a filter on a logger acts on the records logged there,
whatever the host's handlers. A host that configures its own handlers may
add it to them too (records of a child logger propagated to a handler are
then filtered as well)::

    LOGGING = {
        "filters": {"redact_tokens": {"()": "aquatiris_portal.log_filters.RedactTokens"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]}},
        ...
    }

Not covered: the access log of the web server in front of Django (nginx,
gunicorn's ``--access-logfile``), which sees the mail's URL once, when the
link lands (the page then moves on to a URL without the token).
"""

import logging
import re
from urllib.parse import quote, unquote

from django.urls import Resolver404, resolve

REDACTED = "[redacted]"
# Django's loggers whose lines carry a request path.
LOGGERS = ("django.security.csrf", "django.request", "django.server")

# Path-like runs in a message: "/a/b/", "/a/b?x" (stops at a space, a quote).
_PATH = re.compile(r"/[^\s\"'<>?#]*")


def _tokens_of(match):
    if match is None:
        return []
    return [str(value) for key, value in match.kwargs.items() if "token" in key and value]


def _tokens_in(message):
    tokens = []
    for path in _PATH.findall(message):
        try:
            tokens += _tokens_of(resolve(unquote(path)))
        except (Resolver404, ValueError, TypeError):
            continue
        except Exception:  # noqa: S112  a URLconf that cannot load must not break logging (nor log from here)
            continue
    return tokens


def redact(message, request=None):
    """``message`` without the tokens of ``request``'s route and of the paths in it."""
    tokens = _tokens_of(getattr(request, "resolver_match", None)) + _tokens_in(message)
    for token in sorted(set(tokens), key=len, reverse=True):
        for spelling in {token, quote(token, safe="")}:
            message = message.replace(spelling, REDACTED)
    return message


class RedactTokens(logging.Filter):
    """Rewrites the record's message when it holds a token; never drops a record."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:
            return True
        redacted = redact(message, getattr(record, "request", None))
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def install():
    """Add the filter to Django's loggers that write paths (once)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RedactTokens) for existing in logger.filters):
            logger.addFilter(RedactTokens())
