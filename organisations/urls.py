from django.urls import path

from meetings.page_cache import cache_public_page

from . import views

app_name = "organisations"
urlpatterns = [
    path("organisationer/", cache_public_page(views.OrganisationListView.as_view()), name="list"),
    path(
        "organisationer/<slug:slug>/",
        cache_public_page(views.OrganisationDetailView.as_view()),
        name="detail",
    ),
]
