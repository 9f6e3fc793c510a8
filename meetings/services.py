"""Work on meetings that touches several models: publishing and planning the next meeting."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from people.models import Person, public_name_prefetch

from . import policy
from .models import ActionItem, AgendaItem, Attendance, Meeting, MeetingSeries, ShownName


def protocol_publication_problems(meeting: Meeting) -> list[str]:
    """Everything that stops a protocol from being published, in plain words."""
    return policy.problem_messages(
        policy.publication_problems(policy.protocol_for_check(meeting.pk))
    )


@transaction.atomic
def protocol_publish(*, meeting: Meeting, by) -> Meeting:
    """Publish a protocol, or raise ValidationError naming every problem."""
    Meeting.objects.select_for_update().filter(pk=meeting.pk).exists()
    meeting = policy.protocol_for_check(meeting.pk)
    if meeting.is_published:
        return meeting
    problems = policy.publication_problems(meeting)
    if problems:
        raise ValidationError(policy.problem_messages(problems))
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
    """The first item of a new meeting: what was promised and tabled before.

    Assignees are written as mentions, so every surface names them at their level.
    """
    lines = []
    for action in open_actions:
        who = [policy.mention(person.pk) for person in action.assigned_people.all()]
        who += [organisation.name for organisation in action.assigned_organisations.all()]
        lines.append(
            "- "
            + _("%(text)s (%(who)s, from %(date)s)")
            % {
                "text": action.text,
                "who": ", ".join(who) or _("no one named"),
                "date": date_format(action.meeting.date),
            }
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

    # Only from published protocols: the new meeting is a draft that another path may
    # publish, so it never carries text or names that no one has checked for the public.
    open_actions = list(
        ActionItem.objects.published()
        .open()
        .filter(meeting__series=series, meeting__date__lt=date)
        .select_related("meeting")
        .prefetch_related("assigned_people", "assigned_organisations")
        .order_by("meeting__date", "pk")
    )
    tabled_items = list(
        AgendaItem.objects.published()
        .filter(
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


# --- Names in free text -------------------------------------------------------------


@transaction.atomic
def protocol_name_link(*, meeting: Meeting, word: str, person, by=None) -> int:
    """Turn a name written as letters into a mention of ``person`` wherever the protocol's
    free text has it. Returns how many texts changed."""
    changed = 0
    with policy.protocol_guard(touching=[meeting.pk]):
        for place in policy.protocol_text_places(policy.protocol_for_check(meeting.pk)):
            if place.form_field in policy.ATTENDANCE_FIELDS:
                continue
            value = getattr(place.obj, place.form_field)
            new = policy.replace_name(value or "", word, person.pk)
            if new != value:
                setattr(place.obj, place.form_field, new)
                place.obj._change_reason = "name linked to a person"
                place.obj.save(update_fields=[place.form_field])
                changed += 1
    return changed


@transaction.atomic
def protocol_names_link_known(*, meeting: Meeting, by=None) -> int:
    """Link every name in the text that fits exactly one known person (import, demo data).
    Returns how many names were linked; names that fit several people are left to staff."""
    index = policy.NameIndex.load()
    linked = 0
    for _place, word, candidates in policy.name_hits(policy.protocol_for_check(meeting.pk), index):
        if len(candidates) == 1:
            person = Person.objects.get(pk=next(iter(candidates)))
            linked += bool(protocol_name_link(meeting=meeting, word=word, person=person, by=by))
    return linked


def protocol_name_confirm(*, meeting: Meeting, text: str, by=None) -> ShownName:
    """Staff confirm that a name may stay as written in this protocol."""
    shown, _created = ShownName.objects.get_or_create(
        meeting=meeting, text=text, defaults={"confirmed_by": by}
    )
    return shown
