"""Work on meetings that touches several models: publishing and planning the next meeting."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from people.models import public_name_prefetch

from .models import ActionItem, AgendaItem, Attendance, Meeting, MeetingSeries
from .personnummer import find_personnummer


@dataclass(frozen=True)
class TextPlace:
    """A piece of protocol text and where a reader finds it."""

    label: str
    text: str


def protocol_text_places(meeting: Meeting) -> list[TextPlace]:
    places = [
        TextPlace(_("Place"), meeting.place),
        TextPlace(_("Theme"), meeting.theme),
        TextPlace(_("Signature"), meeting.note_taker_signature),
    ]
    for attendance in meeting.attendances.all():
        label = _("Attendance list: %(name)s") % {"name": attendance.name_as_written}
        places.append(
            TextPlace(label, f"{attendance.name_as_written} {attendance.affiliation_as_written}")
        )
    for item in meeting.agenda_items.all():
        label = _("Item %(order)s “%(title)s”") % {"order": item.order, "title": item.title}
        places.append(TextPlace(label, f"{item.title}\n{item.body}"))
    for number, decision in enumerate(meeting.decisions.all(), start=1):
        places.append(TextPlace(_("Decision %(number)s") % {"number": number}, decision.text))
    for number, action in enumerate(meeting.action_items.all(), start=1):
        places.append(
            TextPlace(
                _("Action item %(number)s") % {"number": number},
                f"{action.text} {action.assignees_as_written}",
            )
        )
    return places


def protocol_publication_problems(meeting: Meeting) -> list[str]:
    """Everything that stops a protocol from being published, in plain words."""
    problems = []
    if not meeting.agenda_items.exists():
        problems.append(_("The protocol has no agenda items."))
    if not meeting.attendances.filter(status=Attendance.Status.PRESENT).exists():
        problems.append(_("No one is marked as present."))
    for place in protocol_text_places(meeting):
        if find_personnummer(place.text):
            problems.append(
                _("%(place)s contains what looks like a personal identity number.")
                % {"place": place.label}
            )
    return problems


@transaction.atomic
def protocol_publish(*, meeting: Meeting, by) -> Meeting:
    """Publish a protocol, or raise ValidationError naming every problem."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.is_published:
        return meeting
    problems = protocol_publication_problems(meeting)
    if problems:
        raise ValidationError(problems)
    meeting.protocol_state = Meeting.ProtocolState.PUBLISHED
    meeting.published_by = by
    meeting.published_at = timezone.now()
    if meeting.status == Meeting.Status.PLANNED and meeting.date <= timezone.localdate():
        meeting.status = Meeting.Status.HELD
    meeting._change_reason = "published"
    meeting.save()
    # Email to followers goes out from a worker, and only once the protocol is really
    # published: a rolled-back publication tells no one. robust: a queue that cannot be
    # reached is logged, and does not turn a done publication into an error page.
    from .notifications import notify_protocol_followers

    transaction.on_commit(lambda pk=meeting.pk: notify_protocol_followers.enqueue(pk), robust=True)
    return meeting


@transaction.atomic
def protocol_unpublish(*, meeting: Meeting) -> Meeting:
    meeting.protocol_state = (
        Meeting.ProtocolState.APPROVED if meeting.approved_by_id else Meeting.ProtocolState.DRAFT
    )
    meeting.published_at = None
    meeting.published_by = None
    meeting._change_reason = "unpublished"
    meeting.save()
    return meeting


def next_meeting_date(series: MeetingSeries, today: datetime.date) -> datetime.date:
    """The series' usual rhythm after its latest meeting, on its usual weekday, after today."""
    latest = series.meetings.order_by("-date").values_list("date", flat=True).first()
    interval = datetime.timedelta(weeks=series.interval_weeks or 4)
    candidate = latest + interval if latest else today + datetime.timedelta(days=1)
    while candidate <= today:
        candidate += interval
    if series.weekday is not None:
        candidate += datetime.timedelta(days=(series.weekday - candidate.weekday()) % 7)
    taken = set(series.meetings.filter(date__gte=candidate).values_list("date", flat=True))
    while candidate in taken:
        candidate += datetime.timedelta(weeks=1)
    return candidate


def follow_up_text(open_actions: list[ActionItem], tabled_items: list[AgendaItem]) -> str:
    lines = []
    for action in open_actions:
        who = action.assignees_as_written or _("no one named")
        lines.append(
            "- "
            + _("%(text)s (%(who)s, from %(date)s)")
            % {"text": action.text, "who": who, "date": date_format(action.meeting.date)}
        )
    for item in tabled_items:
        lines.append(
            "- "
            + _("Tabled: %(title)s (from %(date)s)")
            % {"title": item.title, "date": date_format(item.meeting.date)}
        )
    return "\n".join(lines) or _("No open action items and no tabled items.")


@transaction.atomic
def meeting_create_next(*, series: MeetingSeries, today: datetime.date | None = None) -> Meeting:
    """Plan the next meeting so that nothing promised or tabled is forgotten."""
    # The follow-up item becomes protocol text: write it in the site's language,
    # whatever language the staff member's browser asked for.
    with translation.override(settings.LANGUAGE_CODE):
        return _create_next(series=series, today=today or timezone.localdate())


def _create_next(*, series: MeetingSeries, today: datetime.date) -> Meeting:
    date = next_meeting_date(series, today)
    meeting = Meeting.objects.create(
        series=series,
        date=date,
        start_time=series.start_time,
        end_time=series.usual_end_time,
        place=series.default_place,
        status=Meeting.Status.PLANNED,
        protocol_state=Meeting.ProtocolState.DRAFT,
    )
    members = series.standing_members.prefetch_related(public_name_prefetch())
    for order, person in enumerate(members, start=1):
        current = person.current_affiliations(date)
        Attendance.objects.create(
            meeting=meeting,
            order=order,
            person=person,
            name_as_written=person.name,
            # As a protocol writes it: "socialförvaltningen", or a role where no organisation.
            affiliation_as_written=(current[0].organisation_label or current[0].role)
            if current
            else "",
            status=Attendance.Status.EXPECTED,
            is_standing_member=True,
        )

    open_actions = list(
        ActionItem.objects.open()
        .filter(meeting__series=series, meeting__date__lt=date)
        .select_related("meeting")
        .order_by("meeting__date", "pk")
    )
    tabled_items = list(
        AgendaItem.objects.filter(
            meeting__series=series,
            meeting__date__lt=date,
            kind=AgendaItem.Kind.TABLED,
            picked_up_by__isnull=True,
        )
        .select_related("meeting")
        .order_by("meeting__date", "order")
    )
    follow_up = AgendaItem.objects.create(
        meeting=meeting,
        order=1,
        title=_("Follow-up"),
        body=follow_up_text(open_actions, tabled_items),
        kind=AgendaItem.Kind.DISCUSSION,
    )
    for action in open_actions:
        action.followed_up_at = meeting
    for item in tabled_items:
        item.picked_up_by = follow_up
    bulk_update_with_history(open_actions, ActionItem, ["followed_up_at"])
    bulk_update_with_history(tabled_items, AgendaItem, ["picked_up_by"])
    return meeting
