"""A host's URLConf as `wagtail start` writes it (Django's admin at
django-admin/), with the same admin also at a custom prefix: the admin
doors test (test_admin_doors.py) runs on it."""

from django.contrib import admin
from django.urls import path

from example_site.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("backstage/", admin.site.urls),
    *site_urlpatterns,
]
