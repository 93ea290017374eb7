"""Visits in the back office: read-only synced records,
searchable, filterable by kind, date, done or planned, exported; customer
service reads them."""

import datetime

import pytest
from django.urls import reverse

from aquatiris_portal.backoffice.groups import customer_service_permissions
from aquatiris_portal.models import Visit
from tests import factories

pytestmark = pytest.mark.django_db

INDEX = "aquatiris_portal_visit_modeladmin_index"


@pytest.fixture
def visits():
    installation = factories.installation(reference="AQ-2019-5001")
    return {
        "done": Visit.objects.create(
            external_id="V-DONE",
            installation=installation,
            kind="emptying",
            done_on=datetime.date(2026, 3, 2),
            technician="Luc Martin",
        ),
        "planned": Visit.objects.create(
            external_id="V-PLANNED",
            installation=installation,
            kind="maintenance",
            planned_for=datetime.date(2027, 3, 4),
            technician="Anne Le Bris",
        ),
    }


def test_listed_searchable_filterable(admin_client, visits):
    url = reverse(INDEX)
    html = admin_client.get(url).content.decode()
    assert "Luc Martin" in html and "Anne Le Bris" in html
    html = admin_client.get(url, {"q": "Le Bris"}).content.decode()
    assert "Anne Le Bris" in html and "Luc Martin" not in html
    html = admin_client.get(url, {"kind": "emptying"}).content.decode()
    assert "Luc Martin" in html and "Anne Le Bris" not in html
    html = admin_client.get(url, {"state": "planned"}).content.decode()
    assert "Anne Le Bris" in html and "Luc Martin" not in html
    html = admin_client.get(url, {"state": "done"}).content.decode()
    assert "Luc Martin" in html and "Anne Le Bris" not in html
    html = admin_client.get(url, {"planned_for__gte": "2027-01-01"}).content.decode()
    assert "Anne Le Bris" in html and "Luc Martin" not in html


def test_read_only(admin_client, visits):
    assert admin_client.get(reverse("aquatiris_portal_visit_modeladmin_create")).status_code in (302, 403)
    assert admin_client.get(
        reverse("aquatiris_portal_visit_modeladmin_edit", args=[visits["done"].pk])
    ).status_code in (302, 403)
    assert admin_client.post(
        reverse("aquatiris_portal_visit_modeladmin_delete", args=[visits["done"].pk])
    ).status_code in (302, 403)
    assert Visit.objects.count() == 2
    inspect = admin_client.get(reverse("aquatiris_portal_visit_modeladmin_inspect", args=[visits["done"].pk]))
    assert inspect.status_code == 200 and "Luc Martin" in inspect.content.decode()


def test_export_csv(admin_client, visits):
    response = admin_client.get(reverse(INDEX) + "?export=csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig") if response.streaming else response.content.decode()
    assert "V-DONE" in body and "V-PLANNED" in body


def test_customer_service_may_view_visits():
    codenames = {permission.codename for permission in customer_service_permissions()}
    assert "view_visit" in codenames
