from __future__ import annotations

import datetime

from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from django_filters.views import FilterView

from people.models import public_name_prefetch
from projects.models import WorkingGroup

from . import search
from .filters import MeetingArchiveFilter, SearchFilter
from .models import (
    ActionItem,
    AgendaItem,
    Attendance,
    Decision,
    Meeting,
    PublishedCount,
    SearchEntry,
)
from .policy import PublicNames, public_text

HOME_GROUPS_SHOWN = 24  # the rest are one link away, on the working groups page


def query_without_page(request: HttpRequest) -> str:
    """The page's query string without its page number, for the pagination links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        return super().get_context_data(
            upcoming=Meeting.objects.upcoming(today).select_related("series")[:5],
            latest=Meeting.objects.published()
            .select_related("series")
            .order_by("-date", "-start_time")[:6],
            active_groups=WorkingGroup.objects.filter(status=WorkingGroup.Status.ACTIVE)
            .only("name", "slug")
            .order_by("name")[:HOME_GROUPS_SHOWN],
            **kwargs,
        )


class KeysCountedByYear:
    """Published meeting keys, newest first, as the Paginator reads them: counted from
    ``PublishedCount`` and sliced from the year a page starts in.

    With twenty years of protocols, ``COUNT(*)`` reads every published meeting and the
    last page skips 18,000 of them; here both cost what they cost with one year.
    ``counts`` are (year, published) newest first for exactly what ``keys`` selects.
    """

    def __init__(self, keys: QuerySet, counts: list[tuple[int, int]]) -> None:
        self.keys = keys
        self.counts = counts

    def count(self) -> int:
        return sum(count for _year, count in self.counts)

    def __getitem__(self, page: slice) -> list[int]:
        start, stop = page.start, page.stop
        for year, count in self.counts:
            if start < count:
                # The page starts in this year and may go on into older ones.
                older = self.keys.filter(date__lt=datetime.date(year + 1, 1, 1))
                return list(older[start:stop])
            start, stop = start - count, stop - count
        return []


class MeetingArchiveView(FilterView):
    filterset_class = MeetingArchiveFilter
    template_name = "meetings/meeting_archive.html"
    paginate_by = 20
    strict = False  # an invalid filter value is dropped, and the form says why

    def get_queryset(self):
        return Meeting.objects.published().order_by("-date", "-start_time", "-pk")

    def paginate_queryset(self, queryset, page_size):
        """The page's keys first, then its meetings and their headings."""
        keys = queryset.values_list("pk", flat=True)
        chosen = self.filterset.form.cleaned_data if self.filterset.is_bound else {}
        # PublishedCount counts by series and year; any other filter is counted directly.
        if not any(value for name, value in chosen.items() if name not in ("series", "year")):
            year = int(chosen["year"]) if chosen.get("year") else None
            counts = PublishedCount.objects.by_year(chosen.get("series"), year)
            keys = KeysCountedByYear(keys, counts)
        paginator, page, keys_on_page, is_paginated = super().paginate_queryset(keys, page_size)
        keys_on_page = list(keys_on_page)
        meetings = Meeting.objects.select_related("series").in_bulk(keys_on_page)
        headings = (
            AgendaItem.objects.filter(meeting__in=keys_on_page, level=1)
            .order_by("meeting_id", "order")
            .values_list("meeting_id", "title")
        )
        headings = list(headings)
        names = PublicNames.for_texts(title for _meeting_id, title in headings)
        for meeting in meetings.values():
            meeting.headings = []
        for meeting_id, title in headings:
            meetings[meeting_id].headings.append(public_text(title, names))
        page.object_list = [meetings[pk] for pk in keys_on_page]
        return paginator, page, page.object_list, is_paginated

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["query_without_page"] = query_without_page(self.request)
        context["is_filtered"] = any(
            value for key, value in self.request.GET.items() if key != "page"
        )
        return context


def protocol_queryset(user):
    """A protocol with everything its page shows, in a fixed number of queries."""
    # Ordered within the meeting by their own columns: the models' default order starts
    # with the meeting's date, which would join every row to its meeting.
    actions = (
        ActionItem.objects.select_related("agenda_item")
        .prefetch_related(public_name_prefetch("assigned_people__"), "assigned_organisations")
        .order_by("pk")
    )
    attendances = (
        Attendance.objects.select_related("person")
        .prefetch_related(public_name_prefetch("person__"), "organisations")
        .order_by("order", "pk")
    )
    items = (
        AgendaItem.objects.select_related("picked_up_by__meeting__series")
        .prefetch_related(
            "working_groups",
            Prefetch("picks_up", queryset=AgendaItem.objects.select_related("meeting__series")),
        )
        .order_by("order")
    )
    return (
        Meeting.objects.visible_to(user)
        .select_related("series", "approved_by")
        .prefetch_related(
            public_name_prefetch("approved_by__"),
            Prefetch("attendances", queryset=attendances),
            Prefetch("agenda_items", queryset=items),
            Prefetch(
                "decisions", queryset=Decision.objects.select_related("agenda_item").order_by("pk")
            ),
            Prefetch("action_items", queryset=actions),
        )
    )


def protocol_summary(meeting: Meeting, items: list[AgendaItem], names: PublicNames) -> str:
    """One line for search engines and link previews: the theme and the item titles, with
    people mentioned in them at their publication level."""
    titles = ", ".join(public_text(item.title, names) for item in items if item.level == 1)
    theme = public_text(meeting.theme, names)
    summary = f"{_('Theme')}: {theme}. {titles}" if theme else titles
    return Truncator(summary or meeting.title).chars(200)


def meeting_detail(request: HttpRequest, series: str, date: str) -> HttpResponse:
    try:
        day = datetime.date.fromisoformat(date)
    except ValueError as error:
        raise Http404 from error
    try:
        meeting = protocol_queryset(request.user).get(series__slug=series, date=day)
    except Meeting.DoesNotExist as error:
        raise Http404 from error
    return protocol_page(request, meeting, user=request.user)


def protocol_page(
    request: HttpRequest, meeting: Meeting, *, user, template: str = "meetings/meeting_detail.html"
) -> HttpResponse:
    """A protocol as ``user`` may read it; the publish preview passes a visitor (no user),
    so staff see exactly what the public will. ``meeting`` comes from ``protocol_queryset``."""
    visible = (
        Meeting.objects.visible_to(user).filter(series=meeting.series).select_related("series")
    )
    previous = visible.filter(date__lt=meeting.date).order_by("-date").first()
    following = visible.filter(date__gt=meeting.date).order_by("date").first()
    attendances = list(meeting.attendances.all())
    items = list(meeting.agenda_items.all())
    decisions = list(meeting.decisions.all())
    actions = list(meeting.action_items.all())
    names = PublicNames.for_texts(
        [meeting.theme, meeting.place]
        + [text for item in items for text in (item.title, item.body)]
        + [earlier.title for item in items for earlier in item.picks_up.all()]
        + [row.text for row in (*decisions, *actions)]
    )
    return render(
        request,
        template,
        {
            "meeting": meeting,
            "names": names,
            "present": [a for a in attendances if a.status == Attendance.Status.PRESENT],
            "absent": [
                a
                for a in attendances
                if a.status in (Attendance.Status.ABSENT, Attendance.Status.EXCUSED)
            ],
            "expected": [a for a in attendances if a.status == Attendance.Status.EXPECTED],
            "note_takers": [a for a in attendances if a.is_note_taker],
            "approvers": [a for a in attendances if a.is_approver],
            "items": items,
            "summary": protocol_summary(meeting, items, names),
            "previous": previous,
            "next": following,
            "working_groups": sorted(
                {g for item in meeting.agenda_items.all() for g in item.working_groups.all()},
                key=lambda group: group.name,
            ),
            "organisations": sorted(
                {o for a in attendances for o in a.organisations.all()},
                key=lambda organisation: organisation.name,
            ),
        },
    )


def search_view(request: HttpRequest) -> HttpResponse:
    """Search published protocols, groups and organisations; snippets for the shown page only."""
    results = SearchEntry.objects.select_related(
        "meeting__series", "working_group", "organisation"
    ).defer("search_vector")
    filterset = SearchFilter(request.GET, queryset=results)
    filterset.is_valid()  # an invalid filter is dropped, and the form says why
    words = filterset.words
    page = Paginator(filterset.qs if words else results.none(), 20).get_page(
        request.GET.get("page")
    )
    page.object_list = list(page.object_list)
    search.add_snippets(page.object_list, words)
    full_text = search.uses_full_text()
    return render(
        request,
        "meetings/search.html",
        {
            "filter": filterset,
            "words": words,
            "page_obj": page,
            "results": page.object_list,
            "query_without_page": query_without_page(request),
            "full_text": full_text,
            "capped": full_text and page.paginator.count >= search.MAX_RESULTS,
        },
    )
