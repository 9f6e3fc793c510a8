"""One email per follower and protocol, sent by a task once the publication is committed."""

from __future__ import annotations

import datetime
import re
import socket

import pytest
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from meetings.models import Meeting, ProtocolNotification
from meetings.notifications import notify_protocol_followers
from meetings.services import protocol_publish, protocol_unpublish
from people.models import Follow, Person
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    PersonFactory,
    UserFactory,
    WorkingGroupFactory,
)

pytestmark = pytest.mark.django_db

ATTENDEE = "Signe Privatsson"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://delaktig.example.org"


@pytest.fixture
def series():
    return MeetingSeriesFactory(name="Gemensam utvecklingsgrupp", slug="gemensam")


@pytest.fixture
def fritidsbank():
    return WorkingGroupFactory(name="Fritidsbank", slug="fritidsbank")


@pytest.fixture
def klarsprak():
    return WorkingGroupFactory(name="Klarspråk", slug="klarsprak")


@pytest.fixture
def meeting(series, fritidsbank, klarsprak):
    """A draft protocol ready to publish: two items about Fritidsbank, one about Klarspråk."""
    meeting = MeetingFactory(approved=True, series=series)
    AttendanceFactory(meeting=meeting, person=PersonFactory(name=ATTENDEE))
    AgendaItemFactory(meeting=meeting, order=1, title="Välkommen")
    AgendaItemFactory(meeting=meeting, order=2, title="Lokal för utlåning").working_groups.add(
        fritidsbank
    )
    AgendaItemFactory(meeting=meeting, order=3, title="Fler cyklar").working_groups.add(fritidsbank)
    AgendaItemFactory(meeting=meeting, order=4, title="Enklare brev").working_groups.add(klarsprak)
    return meeting


@pytest.fixture
def publish(django_capture_on_commit_callbacks, staff_user):
    """Publish as the admin does, running what waits for the commit (the test never commits)."""

    def publish(meeting: Meeting) -> Meeting:
        with django_capture_on_commit_callbacks(execute=True):
            return protocol_publish(meeting=meeting, by=staff_user)

    return publish


def follower(*, groups=(), series=(), **user_fields):
    user = UserFactory(**user_fields)
    for group in groups:
        Follow.objects.create(user=user, working_group=group)
    for one in series:
        Follow.objects.create(user=user, series=one)
    return user


def emails_to(mailoutbox, user) -> list:
    return [message for message in mailoutbox if message.to == [user.email]]


def unsubscribe_path(message) -> str:
    match = re.search(r"https://delaktig\.example\.org(/mina-sidor/notiser/av/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_one_email_per_protocol_even_when_several_items_touch_the_group(
    meeting, fritidsbank, publish, mailoutbox
):
    user = follower(groups=[fritidsbank])

    publish(meeting)

    (message,) = mailoutbox
    assert message.to == [user.email]
    assert "Gemensam utvecklingsgrupp" in message.subject
    assert "Lokal för utlåning" in message.body
    assert "Fler cyklar" in message.body
    assert "Enklare brev" not in message.body  # not a group the user follows
    assert "https://delaktig.example.org/protokoll/gemensam/" in message.body
    assert (
        f"https://delaktig.example.org{fritidsbank.get_absolute_url()}"
        in message.alternatives[0].content
    )
    assert ProtocolNotification.objects.filter(meeting=meeting, user=user).count() == 1


def test_a_user_following_the_series_and_two_groups_gets_one_email_listing_all(
    meeting, series, fritidsbank, klarsprak, publish, mailoutbox
):
    user = follower(groups=[fritidsbank, klarsprak], series=[series])

    publish(meeting)

    (message,) = mailoutbox
    assert message.to == [user.email]
    for text in ("Välkommen", "Lokal för utlåning", "Enklare brev", "Fritidsbank", "Klarspråk"):
        assert text in message.body


def test_each_follower_gets_only_what_concerns_them(
    meeting, series, fritidsbank, klarsprak, publish, mailoutbox
):
    series_only = follower(series=[series])
    group_only = follower(groups=[klarsprak])
    follower(groups=[WorkingGroupFactory()])  # a group the protocol does not mention

    publish(meeting)

    assert len(mailoutbox) == 2
    (to_series,) = emails_to(mailoutbox, series_only)
    (to_group,) = emails_to(mailoutbox, group_only)
    assert "Välkommen" in to_series.body
    assert "Enklare brev" in to_group.body
    assert "Lokal för utlåning" not in to_group.body


def test_the_email_names_no_one_from_the_protocol(meeting, series, publish, mailoutbox):
    follower(series=[series])
    meeting.attendances.update(name_as_written=ATTENDEE)

    publish(meeting)

    (message,) = mailoutbox
    assert ATTENDEE not in message.body
    assert ATTENDEE not in message.alternatives[0].content


def test_the_email_is_in_swedish_with_plain_text_html_and_an_unsubscribe_header(
    meeting, series, publish, mailoutbox
):
    follower(series=[series])
    meeting.date = datetime.date(2017, 1, 23)
    meeting.save()

    publish(meeting)

    (message,) = mailoutbox
    assert isinstance(message, EmailMultiAlternatives)
    assert message.subject.endswith("Gemensam utvecklingsgrupp 23 januari 2017")
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert 'lang="sv"' in html
    path = unsubscribe_path(message)
    assert message.extra_headers["List-Unsubscribe"] == f"<https://delaktig.example.org{path}>"
    assert path in html


def test_publishing_again_or_saving_again_sends_nothing_more(
    meeting, series, publish, mailoutbox, django_capture_on_commit_callbacks
):
    follower(series=[series])
    publish(meeting)
    assert len(mailoutbox) == 1

    with django_capture_on_commit_callbacks(execute=True):
        meeting.refresh_from_db()
        meeting.theme = "Nytt tema"
        meeting.save()
        protocol_publish(meeting=meeting, by=None)  # already published: nothing happens
    protocol_unpublish(meeting=meeting)
    publish(meeting)
    notify_protocol_followers.enqueue(meeting.pk)

    assert len(mailoutbox) == 1


def test_a_new_follower_is_told_when_the_protocol_is_published_again(
    meeting, series, fritidsbank, publish, mailoutbox
):
    first = follower(series=[series])
    publish(meeting)
    protocol_unpublish(meeting=meeting)
    later = follower(groups=[fritidsbank])

    publish(meeting)

    assert [message.to for message in mailoutbox] == [[first.email], [later.email]]


def test_draft_and_approved_protocols_never_notify(meeting, series, mailoutbox):
    follower(series=[series])

    notify_protocol_followers.enqueue(meeting.pk)
    Meeting.objects.filter(pk=meeting.pk).update(protocol_state=Meeting.ProtocolState.APPROVED)
    notify_protocol_followers.enqueue(meeting.pk)

    assert mailoutbox == []
    assert not ProtocolNotification.objects.exists()


def test_users_without_email_inactive_users_and_users_who_turned_email_off_are_skipped(
    meeting, series, publish, mailoutbox
):
    follower(series=[series], email="")
    follower(series=[series], is_active=False)
    off = follower(series=[series])
    PersonFactory(user=off, email_notifications=False)
    on = follower(series=[series])
    PersonFactory(user=on)
    without_person = follower(series=[series])

    publish(meeting)

    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        [on.email, without_person.email]
    )


def test_the_enqueue_happens_only_after_the_commit(
    meeting, series, staff_user, mailoutbox, django_capture_on_commit_callbacks
):
    follower(series=[series])

    with django_capture_on_commit_callbacks() as callbacks:
        protocol_publish(meeting=meeting, by=staff_user)
        assert mailoutbox == []
    assert callbacks  # the enqueue waits for the commit (the search index does too)
    assert mailoutbox == []

    for callback in callbacks:
        callback()

    assert len(mailoutbox) == 1


def test_a_refused_publication_enqueues_nothing(
    series, staff_user, mailoutbox, django_capture_on_commit_callbacks
):
    follower(series=[series])
    empty = MeetingFactory(approved=True, series=series)  # no agenda items, no one present

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError),
    ):
        protocol_publish(meeting=empty, by=staff_user)

    assert callbacks == []
    assert mailoutbox == []


def test_one_failing_address_does_not_stop_the_others_and_can_be_retried(
    meeting, series, publish, mailoutbox, monkeypatch
):
    broken = follower(series=[series], email="trasig@example.org")
    working = follower(series=[series])
    real_send = EmailMultiAlternatives.send

    def send(message, *args, **kwargs):
        if message.to == [broken.email]:
            raise OSError("mail server said no")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    publish(meeting)

    assert [message.to for message in mailoutbox] == [[working.email]]
    assert not ProtocolNotification.objects.filter(user=broken).exists()

    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    notify_protocol_followers.enqueue(meeting.pk)

    assert [message.to for message in mailoutbox] == [[working.email], [broken.email]]


def closed_port() -> int:
    """A port on this machine where nothing listens: a mail server that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_when_the_mail_server_is_down_the_task_queues_itself_again_for_later(
    meeting, series, publish, mailoutbox, settings
):
    """A real SMTP connection refused: no row, a retry queued in the database backend,
    and the retry sends what is missing once the server is back."""
    from django_tasks_db.models import DBTaskResult

    reader = follower(series=[series])
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    publish(meeting)  # queued, not run: the worker would take it
    (queued,) = DBTaskResult.objects.all()
    assert queued.args_kwargs == {"args": [meeting.pk], "kwargs": {}}

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    with pytest.raises(RuntimeError, match="1 of 1 emails .* failed; tried again at"):
        notify_protocol_followers.call(meeting.pk)
    assert not ProtocolNotification.objects.exists()
    retry = DBTaskResult.objects.exclude(pk=queued.pk).get()
    assert retry.args_kwargs == {"args": [meeting.pk], "kwargs": {"attempt": 1}}
    wait = retry.run_after - timezone.now()
    assert datetime.timedelta(minutes=4) < wait <= datetime.timedelta(minutes=5)

    # The last try queues nothing more.
    with pytest.raises(RuntimeError, match="not tried again"):
        notify_protocol_followers.call(meeting.pk, attempt=5)
    assert DBTaskResult.objects.count() == 2

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notify_protocol_followers.call(meeting.pk, attempt=1) == 1
    assert [message.to for message in mailoutbox] == [[reader.email]]
    assert ProtocolNotification.objects.filter(user=reader, meeting=meeting).exists()


def test_turning_email_off_on_my_page_stops_the_emails(
    meeting, series, publish, client, mailoutbox
):
    user = follower(series=[series])
    client.force_login(user)

    client.post("/mina-sidor/notiser/", {"enabled": "off"})
    publish(meeting)

    assert mailoutbox == []


def test_the_unsubscribe_link_asks_on_get_and_turns_email_off_on_post(
    meeting, series, publish, client, mailoutbox
):
    user = follower(series=[series])
    person = PersonFactory(user=user)
    publish(meeting)
    path = unsubscribe_path(mailoutbox[0])

    response = client.get(path)  # a link scanner, or the person, opens the link
    assert response.status_code == 200
    assert 'method="post"' in response.content.decode()
    person.refresh_from_db()
    assert person.email_notifications is True

    response = client.post(path)  # no login needed
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.email_notifications is False

    later = MeetingFactory(approved=True, series=series)
    AttendanceFactory(meeting=later)
    AgendaItemFactory(meeting=later, order=1)
    publish(later)
    assert len(mailoutbox) == 1


def test_the_unsubscribe_link_works_for_a_user_without_a_person(
    meeting, series, publish, client, mailoutbox
):
    user = follower(series=[series])
    publish(meeting)

    client.post(unsubscribe_path(mailoutbox[0]))

    assert Person.objects.get(user=user).email_notifications is False


@pytest.mark.parametrize("tamper", ["token", "user"])
def test_a_tampered_unsubscribe_link_changes_nothing(
    tamper, meeting, series, publish, client, mailoutbox
):
    user = follower(series=[series])
    other = UserFactory()
    person = PersonFactory(user=other)
    publish(meeting)
    path = unsubscribe_path(mailoutbox[0])
    uidb64, token = path.strip("/").split("/")[-2:]
    if tamper == "token":
        path = path.replace(token, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    else:
        from django.utils.http import urlsafe_base64_encode

        path = path.replace(uidb64, urlsafe_base64_encode(str(other.pk).encode()))

    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404
    person.refresh_from_db()
    assert person.email_notifications is True
    assert not Person.objects.filter(user=user).exists()
