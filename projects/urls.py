from django.urls import path

from . import views

app_name = "projects"
urlpatterns = [
    path("arbetsgrupper/", views.WorkingGroupListView.as_view(), name="list"),
    path("arbetsgrupper/<slug:slug>/", views.WorkingGroupDetailView.as_view(), name="detail"),
]
