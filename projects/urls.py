from django.urls import path

from meetings.page_cache import cache_public_page

from . import note_views, views

app_name = "projects"
urlpatterns = [
    path("arbetsgrupper/", cache_public_page(views.WorkingGroupListView.as_view()), name="list"),
    path(
        "arbetsgrupper/<slug:slug>/",
        cache_public_page(views.WorkingGroupDetailView.as_view(), query=["page"]),
        name="detail",
    ),
    # Members and staff only; everyone else gets 404.
    path(
        "arbetsgrupper/<slug:slug>/interna-anteckningar/",
        note_views.note_list,
        name="notes",
    ),
    path(
        "arbetsgrupper/<slug:slug>/interna-anteckningar/ny/",
        note_views.note_add,
        name="note_add",
    ),
    path(
        "arbetsgrupper/<slug:slug>/interna-anteckningar/<int:pk>/dokument/",
        note_views.note_document,
        name="note_document",
    ),
]
