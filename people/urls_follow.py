from django.urls import path

from . import follow_views

urlpatterns = [
    path("mina-sidor/", follow_views.my_page, name="my_page"),
    path("mina-sidor/notiser/", follow_views.notifications, name="notifications"),
    path(
        "mina-sidor/notiser/av/<str:uidb64>/<str:token>/",
        follow_views.notifications_off,
        name="notifications_off",
    ),
    path("folj/arbetsgrupp/<slug:slug>/", follow_views.follow_group, name="follow_group"),
    path("folj/moten/<slug:slug>/", follow_views.follow_series, name="follow_series"),
]
