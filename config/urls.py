from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config.views import health
from meetings.views import HomeView

admin.site.site_header = _("Delaktig – staff pages")
admin.site.site_title = "Delaktig"
admin.site.index_title = _("Meetings, protocols and working groups")

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("", include("meetings.urls")),
    path("", include("projects.urls")),
    path("", include("organisations.urls")),
    path("", include("people.urls")),
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
