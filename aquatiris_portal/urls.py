"""Include in the host's urls: ``path("portail/", include("aquatiris_portal.urls"))``."""

from django.urls import path

from . import session_views, views
from .accounts import urls as account_urls
from .accounts.portal_home import portal_home
from .digests import views as digest_views
from .enquiries import archive_views, document_link_views, reply_views
from .sync import push as sync_push
from .sync import views as sync_views

app_name = "aquatiris_portal"

urlpatterns = [
    path("", portal_home, name="home"),  # the login when logged out, the person's space when logged in
    path("documents/<int:pk>/", views.document_download, {"disposition": "attachment"}, name="document_download"),
    path("documents/<int:pk>/voir/", views.document_download, {"disposition": "inline"}, name="document_view"),
    # Signed, expiring link sent to the internal system with document_uploaded events.
    path("sync/documents/<str:token>/", sync_views.document_download, name="sync_document_download"),
    path("sync/exports/ready/", sync_push.export_ready, name="sync_export_ready"),  # signed push: sync/push.py
    # Request threads: the franchisee's personal reply link (no login; its
    # token lands once, then the page lives at a URL without it) and the
    # signed attachment link sent with request_message_posted.
    path("reponse/<str:token>/", reply_views.reply_link, name="request_reply"),
    path("reponse/demande/<uuid:reference>/", reply_views.reply_page, name="request_reply_page"),
    path(
        "reponse/demande/<uuid:reference>/pieces-jointes/<int:pk>/",
        reply_views.reply_attachment,
        name="request_reply_attachment",
    ),
    # The franchisee's personal link to a document a SPANC sent (same rules).
    path("document-spanc/<str:token>/", document_link_views.document_link, name="franchisee_document_link"),
    path("document-spanc/voir/<int:pk>/", document_link_views.document_page, name="franchisee_document_page"),
    path("document-spanc/voir/<int:pk>/fichier/", document_link_views.document_file, name="franchisee_document_file"),
    path(
        "sync/pieces-jointes/<str:token>/",
        reply_views.attachment_for_internal_system,
        name="request_attachment_download",
    ),
    # Notification mails: the account page and the one-click unsubscribe link.
    path("compte/notifications/", digest_views.preferences_view, name="notification_preferences"),
    path("notifications/desabonnement/<str:token>/", digest_views.unsubscribe_view, name="unsubscribe"),
    # "Stay logged in" of the idle-logout warning (templatetags/portal_session.py).
    path("session/active/", session_views.keep_alive, name="keep_alive"),
    # « Dossier de l'installation », « Mes données » (built in the background, mailed link) and « Je vends ma maison ».
    path("installations/<int:pk>/dossier/", archive_views.dossier_start, name="dossier_start"),
    path("installations/<int:pk>/je-vends-ma-maison/", archive_views.handover_view, name="handover"),
    path("compte/mes-donnees/", archive_views.my_data, name="my_data"),
    path("archives/<str:token>/", archive_views.archive_download, name="archive_download"),
    *account_urls.urlpatterns,
]
