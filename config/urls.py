from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from meetings.page_cache import cache_public_page
from meetings.views import HomeView
from operations.views import health, health_live

admin.site.site_header = _("Delaktig – staff pages")
admin.site.site_title = "Delaktig"
admin.site.index_title = _("Meetings, protocols and working groups")

urlpatterns = [
    path("", cache_public_page(HomeView.as_view()), name="home"),
    path("", include("meetings.urls")),
    path("", include("projects.urls")),
    path("", include("organisations.urls")),
    path("", include("people.urls")),
    # Readiness (database, caches, migrations) and liveness (the process only).
    path("health/", health, name="health"),
    path("health/live/", health_live, name="health_live"),
    path("admin/", admin.site.urls),
    # No CSRF token on the language form, so that public pages can be cached whole: a
    # forged request could only switch a visitor's language, which protects nothing.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
]
