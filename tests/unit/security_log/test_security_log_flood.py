"""The security log cannot be flooded through the link routes without a
login, and one rule gives the client's address everywhere, always a valid
address (security_log/refusals.py, security_log/request_ip.py)."""

import ipaddress

import pytest
from django.db import models
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from aquatiris_portal.security_log import address_bucket, client_ip, record_refused_token
from aquatiris_portal.security_log.models import SecurityEvent
from aquatiris_portal.sync.delivery import download_token
from tests import factories

FORGED = reverse("aquatiris_portal:sync_document_download", args=["eyJkIjoxfQ:forged:signature"])


@pytest.mark.django_db
def test_a_hundred_forged_sync_links_make_one_counted_row_not_a_hundred(settings):
    settings.AQUATIRIS_PORTAL_TOKEN_REFUSAL_LIMIT = {"refused": 1000, "minutes": 15}
    http = HttpClient(REMOTE_ADDR="203.0.113.9")
    for _ in range(100):
        assert http.get(FORGED).status_code == 404
    [row] = SecurityEvent.objects.all()
    assert (row.kind, row.ip, row.details["route"], row.details["count"]) == (
        "token_refused",
        "203.0.113.9",
        "sync_download",
        64,
    )
    # Another address: its own row.
    HttpClient(REMOTE_ADDR="203.0.113.10").get(FORGED)
    assert SecurityEvent.objects.count() == 2


@pytest.mark.django_db
def test_the_count_is_exact_up_to_64_and_never_goes_down():
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.1")
    for expected in range(1, 41):
        assert record_refused_token(request, "reply_link") == expected
    [row] = SecurityEvent.objects.all()
    assert row.details["count"] == 40
    assert "path" not in row.details and row.path == ""


@pytest.mark.django_db
def test_an_address_that_keeps_guessing_is_refused_and_a_working_link_from_elsewhere_is_served(settings):
    settings.AQUATIRIS_PORTAL_TOKEN_REFUSAL_LIMIT = {"refused": 5, "minutes": 15}
    document = factories.document()
    good = reverse("aquatiris_portal:sync_document_download", args=[download_token(document.pk)])
    guesser = HttpClient(REMOTE_ADDR="2001:db8:1:2::1")
    assert [guesser.get(FORGED).status_code for _ in range(6)] == [404] * 5 + [429]
    # Its neighbour in the same /64 is the same subscriber: refused too, even with a good link.
    assert HttpClient(REMOTE_ADDR="2001:db8:1:2::99").get(good).status_code == 429
    # The internal system, elsewhere, downloads as usual.
    assert HttpClient(REMOTE_ADDR="192.0.2.50").get(good).status_code == 200
    assert SecurityEvent.objects.filter(kind="token_refused").count() == 1
    assert SecurityEvent.objects.filter(kind="sync_download").count() == 1


@pytest.mark.django_db
def test_a_working_link_is_never_refused_however_often_it_is_used(settings):
    settings.AQUATIRIS_PORTAL_TOKEN_REFUSAL_LIMIT = {"refused": 2, "minutes": 15}
    document = factories.document()
    good = reverse("aquatiris_portal:sync_document_download", args=[download_token(document.pk)])
    http = HttpClient(REMOTE_ADDR="192.0.2.50")
    assert {http.get(good).status_code for _ in range(10)} == {200}


# --- the client's address -------------------------------------------------


def _request(remote="10.0.0.1", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    "forwarded, proxies, expected",
    [
        ("198.51.100.7", 1, "198.51.100.7"),
        ("6.6.6.6, 198.51.100.7", 1, "198.51.100.7"),  # the client typed the first entry
        ("6.6.6.6, 198.51.100.7, 10.0.0.2", 2, "198.51.100.7"),  # two proxies of ours
        ("198.51.100.7:51234", 1, "198.51.100.7"),  # a proxy that adds the port
        ("[2001:db8::7]:443", 1, "2001:db8::7"),
        ("::ffff:198.51.100.7", 1, "198.51.100.7"),
        ("2001:DB8:0::7", 1, "2001:db8::7"),
        ("evil.example.org", 1, "10.0.0.1"),  # not an address: REMOTE_ADDR
        ("198.51.100.7:port", 1, "10.0.0.1"),
        ("fe80::1%eth0", 1, "10.0.0.1"),
        ("", 1, "10.0.0.1"),
    ],
)
def test_client_ip_honours_the_trusted_proxies_and_returns_only_addresses(settings, forwarded, proxies, expected):
    settings.AQUATIRIS_PORTAL_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.AQUATIRIS_PORTAL_TRUSTED_PROXY_COUNT = proxies
    assert client_ip(_request(forwarded=forwarded)) == expected


def test_without_the_header_setting_the_forwarded_header_is_ignored(settings):
    settings.AQUATIRIS_PORTAL_CLIENT_IP_HEADER = None
    assert client_ip(_request(forwarded="198.51.100.7")) == "10.0.0.1"
    assert client_ip(_request(remote="not an address")) == ""


@hsettings(max_examples=300, deadline=None)
@given(forwarded=st.text(max_size=60), remote=st.text(max_size=20) | st.ip_addresses().map(str))
def test_whatever_the_headers_say_client_ip_is_an_address_a_model_field_accepts_or_empty(forwarded, remote):
    from django.test.utils import override_settings

    with override_settings(AQUATIRIS_PORTAL_CLIENT_IP_HEADER="HTTP_X_FORWARDED_FOR"):
        ip = client_ip(_request(remote=remote, forwarded=forwarded))
    if ip:
        assert str(ipaddress.ip_address(ip)) == ip
        models.GenericIPAddressField().clean(ip, None)  # raises ValidationError otherwise


@given(st.ip_addresses(v=6))
def test_every_address_of_a_slash_64_counts_as_its_network(address):
    network = ipaddress.ip_network(f"{address}/64", strict=False)
    if address.ipv4_mapped is None:
        assert address_bucket(str(address)) == str(network)
        assert address_bucket(str(network[12345])) == str(network)
    assert address_bucket("198.51.100.7") == "198.51.100.7"


@pytest.mark.django_db
def test_forged_attachment_links_of_the_internal_system_are_counted_and_an_address_that_keeps_guessing_is_refused(
    settings,
):
    settings.AQUATIRIS_PORTAL_TOKEN_REFUSAL_LIMIT = {"refused": 30, "minutes": 15}
    forged = reverse("aquatiris_portal:request_attachment_download", args=["eyJhIjoxfQ:forged:signature"])
    http = HttpClient(REMOTE_ADDR="203.0.113.9")
    assert [http.get(forged).status_code for _ in range(31)] == [404] * 30 + [429]
    [row] = SecurityEvent.objects.all()
    assert (row.kind, row.details["route"], row.details["count"]) == ("token_refused", "sync_attachment", 31)
