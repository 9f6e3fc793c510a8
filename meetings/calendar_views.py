"""Meeting series pages, the calendar page and the iCalendar feeds.

Everything here is public. Upcoming meetings are read through ``upcoming(today)`` and
calendars through ``in_calendar(today)``, so drafts and unpublished protocols never show.
No page here names a person: standing members are not listed.
"""

from __future__ import annotations

import datetime
from itertools import groupby

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django.views.generic import ListView, TemplateView

from projects.models import WorkingGroup

from . import ical
from .models import AgendaItemWorkingGroup, Meeting, MeetingSeries


class SeriesListView(ListView):
    """Every series with its usual time and place and its next meeting: two queries."""

    model = MeetingSeries
    template_name = "meetings/series_list.html"
    context_object_name = "series_list"

    def get_queryset(self):
        today = timezone.localdate()
        return MeetingSeries.objects.order_by("name").prefetch_related(
            Prefetch(
                "meetings",
                queryset=Meeting.objects.upcoming(today),
                to_attr="upcoming_meetings",
            )
        )


class SeriesDetailView(ListView):
    """One series: usual time and place, upcoming meetings and its published protocols.

    The list paginated is the series' published protocols, newest first; a page number
    that is not a number or out of range answers 404 (Django's ListView does this).
    """

    template_name = "meetings/series_detail.html"
    context_object_name = "protocols"
    paginate_by = 20

    def get_queryset(self):
        self.series = get_object_or_404(MeetingSeries, slug=self.kwargs["slug"])
        return self.series.meetings.published().order_by("-date", "-start_time")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["series"] = self.series
        context["upcoming_meetings"] = list(self.series.meetings.upcoming(timezone.localdate()))
        return context


class CalendarView(TemplateView):
    """Upcoming meetings of every series, grouped by month: one query."""

    template_name = "meetings/calendar.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meetings = Meeting.objects.upcoming(timezone.localdate()).select_related("series")
        context["months"] = [
            (datetime.date(year, month, 1), list(group))
            for (year, month), group in groupby(meetings, key=lambda m: (m.date.year, m.date.month))
        ]
        return context


def _link_for(request):
    """The protocol page of a published meeting, otherwise its series' page."""

    def url_for(meeting: Meeting) -> str:
        page = meeting.get_absolute_url() if meeting.is_published else None
        return request.build_absolute_uri(page or meeting.series.get_absolute_url())

    return url_for


@require_safe
def calendar_ics(request):
    meetings = (
        Meeting.objects.in_calendar(timezone.localdate())
        .select_related("series")
        .order_by("date", "start_time", "pk")
    )
    calendar = ical.build_calendar(
        ical.calendar_name(_("All meetings")),
        meetings,
        _link_for(request),
        uid=f"calendar-all@{ical.UID_DOMAIN}",
        description=_("Meetings of the network, with a link to each published protocol."),
    )
    return ical.calendar_response(calendar, "delaktig.ics")


@require_safe
def series_ics(request, slug):
    series = get_object_or_404(MeetingSeries, slug=slug)
    meetings = series.meetings.in_calendar(timezone.localdate()).order_by(
        "date", "start_time", "pk"
    )
    calendar = ical.build_calendar(
        ical.calendar_name(series.name),
        meetings,
        _link_for(request),
        uid=f"calendar-series-{series.pk}@{ical.UID_DOMAIN}",
    )
    return ical.calendar_response(calendar, f"{series.slug}.ics")


@require_safe
def working_group_ics(request, slug):
    """Meetings whose published protocol has an item about the group.

    Only published protocols count: an unpublished agenda must not reveal, even by a date
    in a calendar, that a group was or will be discussed.
    """
    group = get_object_or_404(WorkingGroup, slug=slug)
    meeting_ids = AgendaItemWorkingGroup.objects.filter(working_group=group).values(
        "agenda_item__meeting"
    )
    meetings = (
        Meeting.objects.published()
        .filter(pk__in=meeting_ids)
        .select_related("series")
        .order_by("date", "start_time", "pk")
    )
    calendar = ical.build_calendar(
        ical.calendar_name(group.name),
        meetings,
        _link_for(request),
        uid=f"calendar-group-{group.pk}@{ical.UID_DOMAIN}",
    )
    return ical.calendar_response(calendar, f"{group.slug}.ics")
