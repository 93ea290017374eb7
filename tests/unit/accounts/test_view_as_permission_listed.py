"""Settings › Groups lists « Voir comme un client »' permission (view_as_client),
so an administrator can grant it to a group of their own."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client as HttpClient
from django.urls import reverse
from wagtail.users.forms import GroupForm

from aquatiris_portal import access
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_auth_delay")]


def test_the_group_edit_page_lists_view_as_client():
    admin = factories.user(is_staff=True, is_superuser=True)
    http = HttpClient()
    factories.otp_login(http, admin)
    group = Group.objects.create(name="Accueil")
    permission = Permission.objects.get(content_type__app_label="aquatiris_portal", codename="view_as_client")

    response = http.get(reverse("wagtailusers_groups:edit", args=[group.pk]))

    assert response.status_code == 200
    assert f'value="{permission.pk}"' in response.content.decode()


def test_a_group_saved_with_it_grants_the_view():
    """Ticking it in the group's form gives its members the view (the form accepts only listed permissions)."""
    group = Group.objects.create(name="Accueil")
    permission = Permission.objects.get(content_type__app_label="aquatiris_portal", codename="view_as_client")
    form = GroupForm({"name": "Accueil", "permissions": [permission.pk]}, instance=group)

    assert form.is_valid(), form.errors
    form.save()
    member = factories.user(is_staff=True)
    member.groups.add(group)

    assert get_user_model().objects.get(pk=member.pk).has_perm(access.VIEW_AS_CLIENT_PERMISSION)
