"""Settings › Groups lists « Personnes »' permission (manage_record_people),
so an administrator can grant it to a group of their own."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client as HttpClient
from django.urls import reverse

from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_auth_delay")]


def test_the_group_edit_page_lists_manage_record_people():
    admin = factories.user(is_staff=True, is_superuser=True)
    http = HttpClient()
    factories.otp_login(http, admin)
    group = Group.objects.create(name="Service après-vente")
    permission = Permission.objects.get(content_type__app_label="aquatiris_portal", codename="manage_record_people")

    response = http.get(reverse("wagtailusers_groups:edit", args=[group.pk]))

    assert response.status_code == 200
    assert f'value="{permission.pk}"' in response.content.decode()
