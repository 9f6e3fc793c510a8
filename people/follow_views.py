"""Following groups and series, "Mina sidor" and the switch for notification emails."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db.models import Case, IntegerField, Prefetch, Q, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meetings.models import (
    ActionItem,
    ActionItemOrganisation,
    ActionItemPerson,
    AgendaItem,
    AgendaItemWorkingGroup,
    Attendance,
    Meeting,
    MeetingSeries,
)
from meetings.policy import PublicNames
from projects.models import WorkingGroup

from .models import Affiliation, Follow, Person, public_name_prefetch
from .services import follow_toggle, notifications_set, unsubscribe_user_get

# How much each list on "Mina sidor" shows: enough to act on, short enough for a phone.
NEXT_MEETINGS = 8
LATEST_ITEMS = 10
ACTION_ITEMS = 30
SUGGESTIONS = 12

# The one place a follow button may send the user back to instead of the followed page.
BACK_TO = {"my_page": "people:my_page"}


def _toggle(request: HttpRequest, target: WorkingGroup | MeetingSeries) -> HttpResponse:
    back = target.get_absolute_url()
    if not request.user.is_authenticated:
        # Back to the page after logging in: the follow address itself only takes POST.
        return redirect_to_login(back)
    if follow_toggle(user=request.user, target=target):
        messages.success(request, _("You now follow %(name)s.") % {"name": target.name})
    else:
        messages.success(request, _("You no longer follow %(name)s.") % {"name": target.name})
    back_to = BACK_TO.get(request.POST.get("back", ""))
    return redirect(back_to) if back_to else redirect(back)


@require_POST
def follow_group(request: HttpRequest, slug: str) -> HttpResponse:
    return _toggle(request, get_object_or_404(WorkingGroup, slug=slug))


@require_POST
def follow_series(request: HttpRequest, slug: str) -> HttpResponse:
    return _toggle(request, get_object_or_404(MeetingSeries, slug=slug))


def current_organisation_ids(user, today: datetime.date):
    """A subquery: the organisations of the user's person's current affiliations."""
    return (
        Affiliation.objects.filter(person__user=user, organisation__isnull=False)
        .filter(Q(start__isnull=True) | Q(start__lte=today))
        .filter(Q(end__isnull=True) | Q(end__gte=today))
        .values("organisation_id")
    )


def my_page_context(user, today: datetime.date) -> dict:
    """Everything "Mina sidor" shows, in a fixed number of queries whatever the amount of data.

    Protocol content (agenda items, action items) comes only from published protocols;
    meetings still to come only show their series, date, time and place.
    """
    person = Person.objects.filter(user=user).only("pk", "email_notifications").first()
    follows = list(
        Follow.objects.filter(user=user)
        .select_related("working_group", "series")
        .order_by("created_at")
    )
    groups = sorted((f.working_group for f in follows if f.working_group_id), key=lambda g: g.name)
    series = sorted((f.series for f in follows if f.series_id), key=lambda s: s.name)

    published = Meeting.objects.published()
    followed_series = Follow.objects.filter(user=user, series__isnull=False).values("series")
    followed_group_items = AgendaItemWorkingGroup.objects.filter(
        working_group__follows__user=user
    ).values("agenda_item")

    next_meetings = []
    latest_items = []
    if follows:
        # A group has no meetings of its own: its next meetings are those of the series
        # whose published protocols discuss it. An unpublished agenda never counts.
        series_discussing_groups = published.filter(agenda_items__in=followed_group_items).values(
            "series"
        )
        next_meetings = list(
            Meeting.objects.upcoming(today)
            .filter(Q(series__in=followed_series) | Q(series__in=series_discussing_groups))
            .select_related("series")[:NEXT_MEETINGS]
        )
        followed_groups_only = WorkingGroup.objects.filter(follows__user=user)
        latest_items = list(
            AgendaItem.objects.filter(meeting__in=published)
            .filter(Q(pk__in=followed_group_items) | Q(meeting__series__in=followed_series))
            .select_related("meeting__series")
            .prefetch_related(
                Prefetch("working_groups", queryset=followed_groups_only, to_attr="followed_groups")
            )
            .order_by("-meeting__date", "-meeting__pk", "order")[:LATEST_ITEMS]
        )

    mine = ActionItemPerson.objects.filter(person__user=user).values("action_item")
    my_organisations = ActionItemOrganisation.objects.filter(
        organisation__in=current_organisation_ids(user, today)
    ).values("action_item")
    action_items = list(
        ActionItem.objects.filter(meeting__in=published)
        .filter(Q(pk__in=mine) | Q(pk__in=my_organisations))
        .annotate(
            is_closed=Case(
                When(status=ActionItem.Status.OPEN, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .select_related("meeting__series")
        .prefetch_related(public_name_prefetch("assigned_people__"), "assigned_organisations")
        .order_by("is_closed", "-meeting__date", "pk")[:ACTION_ITEMS]
    )

    expected_meetings = list(
        Meeting.objects.upcoming(today)
        .filter(
            pk__in=Attendance.objects.filter(
                person__user=user, status=Attendance.Status.EXPECTED
            ).values("meeting")
        )
        .select_related("series")
    )

    suggested_groups = []
    suggested_series = []
    if not follows:
        suggested_groups = list(
            WorkingGroup.objects.filter(status=WorkingGroup.Status.ACTIVE).order_by("name")[
                :SUGGESTIONS
            ]
        )
        suggested_series = list(
            MeetingSeries.objects.filter(
                pk__in=Meeting.objects.upcoming(today).values("series")
            ).order_by("name")[:SUGGESTIONS]
        )

    return {
        "person": person,
        "names": PublicNames.for_texts(
            [item.title for item in latest_items] + [action.text for action in action_items]
        ),
        "notifications_on": person.email_notifications if person else True,
        "followed_groups": groups,
        "followed_series": series,
        "follows_anything": bool(follows),
        "next_meetings": next_meetings,
        "latest_items": latest_items,
        "open_action_items": [a for a in action_items if a.status == ActionItem.Status.OPEN],
        "closed_action_items": [a for a in action_items if a.status != ActionItem.Status.OPEN],
        "expected_meetings": expected_meetings,
        "suggested_groups": suggested_groups,
        "suggested_series": suggested_series,
    }


@login_required
def my_page(request: HttpRequest) -> HttpResponse:
    context = my_page_context(request.user, timezone.localdate())
    return render(request, "people/my_page.html", context)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The switch on "Mina sidor": POST turns emails on or off; GET goes back to the page."""
    if request.method == "POST":
        enabled = request.POST.get("enabled") == "on"
        notifications_set(user=request.user, enabled=enabled)
        if enabled:
            messages.success(
                request, _("Email is on. You get an email when a new protocol concerns you.")
            )
        else:
            messages.success(request, _("Email is off. We will not send you any more emails."))
    return redirect("people:my_page")


def notifications_off(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The link in every email: GET asks, POST turns emails off. No login needed.

    Only POST changes anything, so mail programs that open links to check them
    unsubscribe no one.
    """
    user = unsubscribe_user_get(uidb64=uidb64, token=token)
    if user is None:
        return render(request, "people/notifications_off.html", {"valid": False}, status=404)
    if request.method == "POST":
        notifications_set(user=user, enabled=False)
        messages.success(request, _("Email is off. We will not send you any more emails."))
        return redirect(request.path)
    person = Person.objects.filter(user=user).only("email_notifications").first()
    return render(
        request,
        "people/notifications_off.html",
        {"valid": True, "notifications_on": person.email_notifications if person else True},
    )
