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
    """The address in ``value`` in its standard spelling, or "": a bare
    IPv4 or IPv6 address, ``v4:port`` or ``[v6]:port`` (some proxies add the
    port); an IPv4-mapped IPv6 address as its IPv4. Anything else (a host
    name, a zone id, text) is no address: nothing but a valid address ever
    reaches a GenericIPAddressField or a limiter's key."""
    value = (value or "").strip()
    if value.startswith("["):  # [v6] or [v6]:port
        host, _, port = value[1:].partition("]")
        if port and not (port.startswith(":") and port[1:].isdigit()):
            return ""
        value = host
    elif value.count(":") == 1:  # v4:port
        value, port = value.split(":")
        if not port.isdigit():
            return ""
    if "%" in value:  # a zone id names an interface of the sender's machine
        return ""
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return ""
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


def address_bucket(ip):
    """What a limiter counts an address under: an IPv4 address itself, an
    IPv6 address its /64 (one subscriber holds a whole /64, and picks any
    address in it at will); "" for no address."""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return ip or ""
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def client_ip(request):
    """The client's address (see the module's docstring), always a valid
    IP address in its standard spelling, or "" when there is none."""
    remote = _valid(request.META.get("REMOTE_ADDR", ""))
    header = app_settings.CLIENT_IP_HEADER
    if not header:
        return remote
    raw = request.META.get(header, "")
    if not raw:
        return remote
    entries = [entry.strip() for entry in str(raw).split(",") if entry.strip()]
    if not entries:
        return remote
    count = max(1, int(app_settings.TRUSTED_PROXY_COUNT or 1))
    # The last (count - 1) entries were written by our inner proxies; the
    # one before them by the outermost proxy, about the client.
    index = max(0, len(entries) - count)
    return _valid(entries[index]) or remote
