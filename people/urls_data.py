from django.urls import path

from . import data_views

urlpatterns = [
    path("mina-sidor/mina-uppgifter/", data_views.my_data, name="my_data"),
    path(
        "mina-sidor/mina-uppgifter/export.json",
        data_views.my_data_export,
        name="my_data_export",
    ),
]
