"""The two staff groups of the back office, created (and repaired) by the
``portal_groups`` command, which ``portal_demo`` also runs.

- "Rédacteurs" (editors): pages (news, advice, FAQ pages...), FAQ entries and
  the other editorial snippets, the portal settings (texts of the spaces),
  images and documents. No permission on clients, installations, documents
  or requests: they never see anyone's personal data. Nor
  ``change_mail_routing``: the network-head and sender addresses (where
  requests are mailed) are for superusers only (backoffice/mail_routing.py).
  They may view the client space as one of the test clients, read only
  (``view_as_client``, pages/view_as_client.py).
- "Service client" (customer service): reads requests (changes their status,
  exports them) and the synced records, and may view the client space as
  any client, read only; invites and removes the people of a client or a
  SPANC (``manage_record_people``, accounts/staff_people_views.py); edits
  no content.
"""

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

EDITORS = "Rédacteurs"
CUSTOMER_SERVICE = "Service client"

APP = "aquatiris_portal"
# Every model of the admin's "Portal content" menu (snippets/viewsets.py) and the stages.
EDITORIAL_SNIPPETS = [
    "faqentry",
    "documenttheme",
    "requestsubject",
    "aftersalesreason",
    "spancdocumenttype",
    "proofkind",
    "seasonaltask",
    "projectstage",
]
RECORDS = ["client", "installation", "portaldocument", "visit", "franchisee", "spanc"]
PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]


def _model_permissions(model_name, actions):
    model = apps.get_model(APP, model_name) if _model_exists(model_name) else None
    if model is None:
        return []
    content_type = ContentType.objects.get_for_model(model)
    return list(
        Permission.objects.filter(
            content_type=content_type, codename__in=[f"{action}_{model_name}" for action in actions]
        )
    )


def _model_exists(model_name):
    try:
        apps.get_model(APP, model_name)
    except LookupError:
        return False
    return True


def _admin_access():
    return Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")


def _view_as_client():
    return list(Permission.objects.filter(content_type__app_label=APP, codename="view_as_client"))


def editors_permissions():
    permissions = [_admin_access(), *_view_as_client()]
    for model_name in EDITORIAL_SNIPPETS:
        permissions += _model_permissions(model_name, ["add", "change", "delete", "view"])
    permissions += _model_permissions("portalsettings", ["change", "view"])
    return permissions


def _manage_record_people():
    return list(Permission.objects.filter(content_type__app_label=APP, codename="manage_record_people"))


def customer_service_permissions():
    permissions = [_admin_access(), *_view_as_client(), *_manage_record_people()]
    permissions += _model_permissions("portalrequest", ["view", "change"])
    for model_name in RECORDS:
        permissions += _model_permissions(model_name, ["view"])
    return permissions


def _collection_permissions(group):
    root = Collection.get_first_root_node()
    if root is None:
        return
    for app_label, model_name in (("wagtailimages", "image"), ("wagtaildocs", "document")):
        for action in ("add", "change", "choose"):
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=f"{action}_{model_name}"
            ).first()
            if permission:
                GroupCollectionPermission.objects.get_or_create(group=group, collection=root, permission=permission)


def _page_permissions(group):
    root = Page.get_first_root_node()
    if root is None:
        return
    for codename in PAGE_PERMISSIONS:
        permission = Permission.objects.filter(content_type__app_label="wagtailcore", codename=codename).first()
        if permission:
            GroupPagePermission.objects.get_or_create(group=group, page=root, permission=permission)


@transaction.atomic
def ensure_groups():
    """Create or repair both groups; safe to run any number of times. Only
    the permissions listed here are set (extra ones an admin added to
    these groups are removed, so the groups keep meaning what docs/features.md says)."""
    editors, _ = Group.objects.get_or_create(name=EDITORS)
    editors.permissions.set(editors_permissions())
    _page_permissions(editors)
    _collection_permissions(editors)

    service, _ = Group.objects.get_or_create(name=CUSTOMER_SERVICE)
    service.permissions.set(customer_service_permissions())
    return editors, service
