"""Include in the host's urls: ``path("portail/", include("aquatiris_portal.urls"))``."""

from django.urls import path

from . import views
from .accounts import urls as account_urls
from .sync import views as sync_views

app_name = "aquatiris_portal"

urlpatterns = [
    path("documents/<int:pk>/", views.document_download, {"disposition": "attachment"}, name="document_download"),
    path("documents/<int:pk>/voir/", views.document_download, {"disposition": "inline"}, name="document_view"),
    # Signed, expiring link sent to the internal system with document_uploaded events.
    path("sync/documents/<str:token>/", sync_views.document_download, name="sync_document_download"),
    *account_urls.urlpatterns,
]
