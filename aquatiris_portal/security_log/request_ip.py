"""The client's IP address, trusting only the proxies the site says it has.

Behind a reverse proxy every request comes from the proxy's address; the
address of the person is in a header the proxy appends to
(``X-Forwarded-For: client, proxy1, proxy2``). Only the addresses appended
by the site's own proxies can be believed: anything to their left may have
been typed by the client. So, with ``AQUATIRIS_PORTAL_CLIENT_IP_HEADER``
(the META key, e.g. ``"HTTP_X_FORWARDED_FOR"``) and
``AQUATIRIS_PORTAL_TRUSTED_PROXY_COUNT`` (how many proxies of the site stand
in front of Django, default 1), the address used is the right-most one that
was not written by a trusted proxy:

- REMOTE_ADDR is the last proxy;
- the header's last ``count - 1`` entries are the other proxies;
- the entry just left of them is the client, as seen by the outermost proxy.

A header shorter than that (a request that came round the proxy) falls back
to its left-most entry, never to anything beyond it; an entry that is not an
IP address is ignored and REMOTE_ADDR used. Without the header setting,
REMOTE_ADDR is the client (no proxy).
"""

import ipaddress

from ..conf import app_settings


def _valid(value):
    value = (value or "").strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1:value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return ""


def client_ip(request):
    remote = request.META.get("REMOTE_ADDR", "") or ""
    header = app_settings.CLIENT_IP_HEADER
    if not header:
        return remote
    raw = request.META.get(header, "")
    if not raw:
        return remote
    entries = [entry.strip() for entry in raw.split(",") if entry.strip()]
    count = max(1, int(app_settings.TRUSTED_PROXY_COUNT or 1))
    # The last (count - 1) entries were written by our inner proxies; the
    # one before them by the outermost proxy, about the client.
    index = len(entries) - count
    if index < 0:
        index = 0
    if not entries:
        return remote
    return _valid(entries[index]) or remote
