from django.contrib.auth import views as auth_views
from django.http import Http404
from django.urls import path


def _otp_verify_placeholder(request):
    raise Http404


# Placeholder until the accounts issue (#4) brings the portal's own views;
# the URL names are the contract other rooms rely on.
urlpatterns = [
    path("connexion/", auth_views.LoginView.as_view(template_name="aquatiris_portal/accounts/login.html"), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("connexion/verification/", _otp_verify_placeholder, name="otp_verify"),
]
