from django.urls import path

from . import people_views, second_factor_views, switcher_views, trusted_browser_views, views
from .models import AccountToken

Purpose = AccountToken.Purpose

# The URL names are a contract other rooms rely on (login, logout, otp_verify).
urlpatterns = [
    path("connexion/", views.login_view, name="login"),
    path("deconnexion/", views.logout_view, name="logout"),
    path("connexion/verification/", second_factor_views.otp_verify_view, name="otp_verify"),
    path("connexion/application/", second_factor_views.otp_enroll_view, name="otp_enroll"),
    path("premiere-connexion/", views.activation_view, name="activation"),
    path(
        "premiere-connexion/lien/<str:token>/", views.link_view, {"purpose": Purpose.ACTIVATION}, name="activation_link"
    ),
    path(
        "premiere-connexion/mot-de-passe/",
        views.set_password_view,
        {"purpose": Purpose.ACTIVATION},
        name="activation_password",
    ),
    path("mot-de-passe-perdu/", views.password_reset_view, name="password_reset"),
    path(
        "mot-de-passe-perdu/lien/<str:token>/", views.link_view, {"purpose": Purpose.RESET}, name="password_reset_link"
    ),
    path(
        "mot-de-passe-perdu/nouveau/",
        views.set_password_view,
        {"purpose": Purpose.RESET},
        name="password_reset_password",
    ),
    path("compte/mot-de-passe/", views.password_change_view, name="password_change"),
    path("compte/personnes/<str:kind>/", people_views.people_view, name="people"),
    path("invitation/lien/<str:token>/", people_views.invitation_link_view, name="invitation_link"),
    path("invitation/", people_views.invitation_accept_view, name="invitation_accept"),
    path("compte/espace/", switcher_views.choose_space_view, name="choose_space"),
    path("compte/codes-de-secours/", second_factor_views.otp_backup_codes_view, name="otp_backup_codes"),
    path("compte/navigateurs/<int:pk>/retirer/", trusted_browser_views.revoke_view, name="trusted_browser_revoke"),
    path("compte/navigateurs/retirer-tous/", trusted_browser_views.revoke_all_view, name="trusted_browsers_revoke_all"),
]
