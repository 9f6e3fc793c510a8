from django.urls import path, register_converter

from . import calendar_views, views
from .feeds import PublishedProtocolsFeed
from .filters import MeetingArchiveFilter, SearchFilter
from .page_cache import cache_public_page


class IsoDateConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> str:
        return value  # validated in the view, so that 2017-02-31 answers 404, not 500

    def to_url(self, value) -> str:
        return str(value)


register_converter(IsoDateConverter, "isodate")

app_name = "meetings"
urlpatterns = [
    path(
        "protokoll/",
        cache_public_page(
            views.MeetingArchiveView.as_view(), query=[*MeetingArchiveFilter.base_filters, "page"]
        ),
        name="archive",
    ),
    path(
        "sok/",
        cache_public_page(views.search_view, query=[*SearchFilter.base_filters, "page"]),
        name="search",
    ),
    path("protokoll/atom/", PublishedProtocolsFeed(), name="feed"),
    path(
        "protokoll/<slug:series>/<isodate:date>/",
        cache_public_page(views.meeting_detail),
        name="detail",
    ),
    path("moten/", cache_public_page(calendar_views.SeriesListView.as_view()), name="series_list"),
    path(
        "moten/<slug:slug>/",
        cache_public_page(calendar_views.SeriesDetailView.as_view(), query=["page"]),
        name="series_detail",
    ),
    path("moten/<slug:slug>/kalender.ics", calendar_views.series_ics, name="series_ics"),
    path("kalender/", cache_public_page(calendar_views.CalendarView.as_view()), name="calendar"),
    path("kalender.ics", calendar_views.calendar_ics, name="calendar_ics"),
    path(
        "arbetsgrupper/<slug:slug>/kalender.ics",
        calendar_views.working_group_ics,
        name="working_group_ics",
    ),
]
