from django.contrib.auth import views as auth_views
from django.urls import path

# Placeholder until the accounts issue (#4) brings the portal's own views.
urlpatterns = [
    path("connexion/", auth_views.LoginView.as_view(template_name="aquatiris_portal/accounts/login.html"), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
]
