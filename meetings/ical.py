"""iCalendar (RFC 5545) files of meetings, built with the icalendar package.

A calendar shows when and where a meeting is, what it is about (series and theme) and a
link to read more. It never holds names of people nor anything from the text of a
protocol, so the same file is safe for everyone who subscribes to it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from zoneinfo import ZoneInfo

import icalendar
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Meeting
from .policy import public_text

TZID = "Europe/Stockholm"
TZ = ZoneInfo(TZID)
PRODID = "-//Delaktig//Delaktig meetings//SV"
UID_DOMAIN = "delaktig"
DEFAULT_DURATION = datetime.timedelta(hours=2)


def meeting_uid(meeting: Meeting) -> str:
    """Stable for the life of the meeting, whatever is changed about it later."""
    return f"meeting-{meeting.pk}@{UID_DOMAIN}"


def meeting_summary(meeting: Meeting) -> str:
    summary = meeting.series.name
    if meeting.theme:
        summary = f"{summary}: {public_text(meeting.theme, None)}"
    if meeting.status == Meeting.Status.CANCELLED:
        # Several calendar programs ignore STATUS in subscribed calendars: say it in words too.
        summary = f"{Meeting.Status.CANCELLED.label}: {summary}"
    return summary


def meeting_times(
    meeting: Meeting,
) -> tuple[datetime.datetime, datetime.datetime] | tuple[datetime.date, datetime.date]:
    """Start and end as Stockholm local times, or whole days when no start time is known."""
    if meeting.start_time is None:
        return meeting.date, meeting.date + datetime.timedelta(days=1)
    start = datetime.datetime.combine(meeting.date, meeting.start_time, tzinfo=TZ)
    if meeting.end_time is not None and meeting.end_time > meeting.start_time:
        end = datetime.datetime.combine(meeting.date, meeting.end_time, tzinfo=TZ)
    else:
        end = start + (meeting.series.duration or DEFAULT_DURATION)
    return start, end


def meeting_event(meeting: Meeting, url: str, stamp: datetime.datetime) -> icalendar.Event:
    start, end = meeting_times(meeting)
    event = icalendar.Event.new(
        uid=meeting_uid(meeting),
        stamp=stamp,
        start=start,
        end=end,
        summary=meeting_summary(meeting),
        location=public_text(meeting.place, None) or meeting.series.default_place or None,
        url=url,
        status="CANCELLED" if meeting.status == Meeting.Status.CANCELLED else "CONFIRMED",
    )
    return event


def build_calendar(
    name: str,
    meetings: Iterable[Meeting],
    url_for: Callable[[Meeting], str],
    *,
    uid: str,
    description: str = "",
) -> icalendar.Calendar:
    """One VCALENDAR with a VTIMEZONE for Europe/Stockholm and one VEVENT per meeting.

    ``meetings`` must have ``series`` loaded (select_related) so no query runs per meeting.
    ``url_for`` gives the absolute address a meeting links to.
    """
    calendar = icalendar.Calendar.new(
        prodid=PRODID,
        name=name,  # NAME (RFC 7986) and X-WR-CALNAME
        uid=uid,
        description=description or None,
        calscale="GREGORIAN",
        method="PUBLISH",
    )
    calendar.add("X-WR-TIMEZONE", TZID)
    stamp = timezone.now().astimezone(datetime.UTC).replace(microsecond=0)
    dates = []
    for meeting in meetings:
        calendar.add_component(meeting_event(meeting, url_for(meeting), stamp))
        dates.append(meeting.date)
    # The VTIMEZONE covers every event; it is always there, which also keeps an empty
    # calendar valid (RFC 5545 asks for at least one component).
    today = timezone.localdate()
    # Kept within years the time zone database knows, whatever a mistyped date says.
    first_year = min(max(min(dates, default=today).year - 1, 1970), 2090)
    last_year = max(min(max(dates, default=today).year + 2, 2100), first_year + 1)
    calendar.add_component(
        icalendar.Timezone.from_tzinfo(
            TZ,
            tzid=TZID,
            first_date=datetime.date(first_year, 1, 1),
            last_date=datetime.date(last_year, 1, 1),
        )
    )
    calendar.subcomponents.sort(key=lambda c: c.name != "VTIMEZONE")  # timezones first
    return calendar


def calendar_response(calendar: icalendar.Calendar, filename: str) -> HttpResponse:
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def calendar_name(name: str) -> str:
    """“Gemensam utvecklingsgrupp – Delaktig”: the name a calendar program shows."""
    return _("%(name)s – Delaktig") % {"name": name}
