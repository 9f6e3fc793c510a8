"""Email to followers when a protocol is published: one per user and protocol.

``protocol_publish`` enqueues ``notify_protocol_followers`` once the publication is
committed; a worker (``python manage.py worker``) runs it outside the web request.
A ``ProtocolNotification`` row per user and protocol is what makes publishing again,
or saving again, send nothing more.

Exactly once, also when the worker dies mid-send: per user, the row is written and the
email sent in one transaction, which commits once the mail server has taken the email.
A send that fails or is cut off leaves no row, and a run of the task again (the worker
started again with its id puts back the task it was running, see
operations/management/commands/worker.py) sends only to the users without one. So no
email is lost; the one window for a second copy is between the mail server accepting
an email and the commit of its row. When sends fail (the mail server is down, say), the
task queues itself again for later (``RETRY_MINUTES``), as long as the queue can wait
(the worker's database backend), and the next run sends only what is missing.

The email holds only what the public protocol page shows about the protocol: the
series, the working groups, the titles of agenda items and links. No names.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Prefetch, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from people.emails import site_url
from people.models import Follow
from people.services import unsubscribe_path_make
from projects.models import WorkingGroup

from .models import AgendaItem, Meeting, ProtocolNotification
from .policy import PublicNames, public_text

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ItemLink:
    title: str
    url: str


@dataclass
class GroupNews:
    name: str
    url: str
    items: list[ItemLink] = field(default_factory=list)


@dataclass
class Concerns:
    """What of one protocol concerns one user: its series, some of its groups, or both."""

    follows_series: bool = False
    group_ids: set[int] = field(default_factory=set)


def protocol_followers(meeting: Meeting, group_ids: set[int]) -> dict:
    """Users to tell about the protocol, each with what concerns them.

    Active users with an email address who follow the series or a group that an agenda
    item touches, who have not turned emails off and have not been told already.
    """
    follows = (
        Follow.objects.filter(Q(series_id=meeting.series_id) | Q(working_group_id__in=group_ids))
        .filter(user__is_active=True)
        .exclude(user__email="")
        .filter(Q(user__person__isnull=True) | Q(user__person__email_notifications=True))
        .exclude(user__protocol_notifications__meeting=meeting)
        .select_related("user")
        .order_by("user_id", "pk")
    )
    followers: dict = {}
    for follow in follows:
        concerns = followers.setdefault(follow.user, Concerns())
        if follow.series_id:
            concerns.follows_series = True
        else:
            concerns.group_ids.add(follow.working_group_id)
    return followers


def protocol_email(
    meeting: Meeting,
    user,
    concerns: Concerns,
    items: list[AgendaItem],
    groups: dict[int, GroupNews],
) -> EmailMultiAlternatives:
    """One email: the protocol, and under each thing the user follows, the items about it."""
    meeting_url = site_url(meeting.get_absolute_url())
    unsubscribe_url = site_url(unsubscribe_path_make(user=user))
    subject = _("New protocol: %(title)s") % {"title": meeting.title}
    context = {
        "subject": subject,
        "meeting": meeting,
        "meeting_url": meeting_url,
        "follows_series": concerns.follows_series,
        "series_name": meeting.series.name,
        "series_url": site_url(meeting.series.get_absolute_url()),
        "series_items": [
            ItemLink(item.public_title, f"{meeting_url}#item-{item.order}")
            for item in items
            if item.level == 1
        ],
        "groups": sorted(
            (groups[pk] for pk in concerns.group_ids if pk in groups), key=lambda g: g.name
        ),
        "my_page_url": site_url(reverse("people:my_page")),
        "unsubscribe_url": unsubscribe_url,
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("meetings/emails/protocol_published.txt", context),
        to=[user.email],
        # Mail programs show their own "unsubscribe" for this; it opens the confirmation page.
        headers={"List-Unsubscribe": f"<{unsubscribe_url}>"},
    )
    message.attach_alternative(
        render_to_string("meetings/emails/protocol_published.html", context), "text/html"
    )
    return message


# After a failed send: the next try in 5 minutes, then 30, 2 hours, 6 hours and a day.
RETRY_MINUTES = (5, 30, 120, 360, 1440)


def notify_again_later(meeting_id: int, attempt: int) -> datetime | None:
    """Queue the next try after ``attempt`` failed; when, or None when there is none."""
    if attempt >= len(RETRY_MINUTES) or not notify_protocol_followers.get_backend().supports_defer:
        return None
    when = timezone.now() + timedelta(minutes=RETRY_MINUTES[attempt])
    notify_protocol_followers.using(run_after=when).enqueue(meeting_id, attempt=attempt + 1)
    return when


@task()
def notify_protocol_followers(meeting_id: int, attempt: int = 0) -> int:
    """Email everyone who follows what a newly published protocol is about. Returns how many.

    ``attempt`` counts the tries after failed sends (see ``notify_again_later``)."""
    meeting = Meeting.objects.published().select_related("series").filter(pk=meeting_id).first()
    if meeting is None:  # unpublished again, or deleted, before the worker came to it
        return 0
    items = list(
        meeting.agenda_items.prefetch_related(
            Prefetch("working_groups", queryset=WorkingGroup.objects.order_by("name"))
        ).order_by("order")
    )
    names = PublicNames.for_texts(item.title for item in items)
    for item in items:  # people mentioned in a title are named at their level
        item.public_title = public_text(item.title, names)
    meeting_url = site_url(meeting.get_absolute_url())
    groups: dict[int, GroupNews] = {}
    for item in items:
        for group in item.working_groups.all():
            news = groups.setdefault(
                group.pk, GroupNews(group.name, site_url(group.get_absolute_url()))
            )
            news.items.append(ItemLink(item.public_title, f"{meeting_url}#item-{item.order}"))

    sent = failed = 0
    # The email goes out in the site's language, whatever the worker's environment.
    with translation.override(settings.LANGUAGE_CODE):
        for user, concerns in protocol_followers(meeting, set(groups)).items():
            try:
                with transaction.atomic():
                    _notification, created = ProtocolNotification.objects.get_or_create(
                        meeting=meeting, user=user
                    )
                    if created:  # another worker may have told this user already
                        protocol_email(meeting, user, concerns, items, groups).send()
                        sent += 1
            except Exception:  # one bad address must not stop the others
                # The row rolls back with the failure, so a later run can try again.
                logger.exception("Could not email user %s about meeting %s", user.pk, meeting.pk)
                failed += 1
    if failed:
        when = notify_again_later(meeting.pk, attempt)
        later = f"tried again at {when:%Y-%m-%d %H:%M} UTC" if when else "not tried again"
        raise RuntimeError(
            f"{failed} of {sent + failed} emails about meeting {meeting.pk} failed; {later}."
        )
    return sent
