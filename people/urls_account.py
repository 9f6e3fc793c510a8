"""Accounts: password login, login links by email, invitations, logout and password reset."""

from django.urls import path

from . import account_views as views

urlpatterns = [
    path("konto/logga-in/", views.LoginView.as_view(), name="login"),
    path("konto/logga-ut/", views.LogoutView.as_view(), name="logout"),
    path("konto/lank/", views.LoginLinkRequestView.as_view(), name="login_link"),
    path("konto/lank/skickad/", views.LoginLinkSentView.as_view(), name="login_link_sent"),
    path(
        "konto/lank/<uidb64>/<token>/",
        views.LoginLinkConfirmView.as_view(),
        name="login_link_confirm",
    ),
    path("konto/inbjudan/<uidb64>/<token>/", views.InvitationView.as_view(), name="invitation"),
    path("konto/nytt-losenord/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "konto/nytt-losenord/skickat/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "konto/nytt-losenord/klart/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "konto/nytt-losenord/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
]
