"""The demo data: every case of a real protocol, invented people, and safe to load twice."""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from meetings.demo import (
    DEMO_PASSWORD,
    LEDNINGSGRUPP,
    STAFF_USERNAME,
    UTVECKLINGSGRUPP,
    demo_load,
)
from meetings.models import ActionItem, AgendaItem, Attendance, Decision, Meeting
from meetings.policy import person_public_name
from meetings.services import protocol_publication_problems, protocol_publish
from organisations.models import Organisation
from people.models import Affiliation, Person
from projects.models import WorkingGroup

pytestmark = pytest.mark.django_db

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"  # ../shared beside the clone

# Everyone the seed protocols name, so the test also works where the seeds are missing.
SEED_NAMES = {
    "Carina Bech Sörensen",
    "Martina Ekdahl",
    "Bo Pettersson",
    "Allan Hedman",
    "Per Norbeck",
    "Johan Larsson",
    "Ivan Kuzhikov",
    "Ivan Kuzhicov",
    "Ia Jonsson",
    "Niclas Wenkel",
    "Leif Redestig",
    "David Bergström",
    "Bengt Nilsson",
    "Jack Roneklint",
    "Anne Eskilsson",
    "Pernilla Kvist",
    "Ann Abrahamsson",
    "Samir Kafedzic",
    "Martina Elofsson",
    "Gösta Strand",
    "Johanna Callegari",
    "Per Skålén",
}
SEED_NICKNAMES = {"Bosse", "Anki"}
ATTENDEE_HEADINGS = ("närvarande", "fasta ledamöter")


def seed_attendee_names() -> set[str]:
    """The names in the attendance sections of the seeds: lines “Name, Organisation”."""
    names: set[str] = set()
    if not SEEDS.is_dir():
        return names
    for path in sorted(SEEDS.iterdir()):
        in_list, found = False, 0
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.strip().lstrip("#").strip()
            if line.lower().rstrip(":").strip() in ATTENDEE_HEADINGS:
                in_list, found = True, 0
                continue
            if not in_list:
                continue
            if not line:
                in_list = found == 0  # blank lines before the first name do not end the list
                continue
            names.add(re.sub(r"\(.*?\)", "", line.split(",")[0]).strip())
            found += 1
    return names


def all_seed_names() -> set[str]:
    return SEED_NAMES | seed_attendee_names()


def name_parts(names) -> set[str]:
    return {part for name in names for part in name.split()}


def demo_person_names() -> set[str]:
    names = set(Person.objects.values_list("name", flat=True))
    names |= {alias for person in Person.objects.all() for alias in person.alias_list}
    names |= set(Attendance.objects.values_list("name_as_written", flat=True))
    return names


def demo_texts() -> list[str]:
    texts = []
    for item in AgendaItem.objects.all():
        texts += [item.title, item.body]
    texts += list(Decision.objects.values_list("text", flat=True))
    for action in ActionItem.objects.all():
        texts += [action.text, action.assignees_as_written]
    texts += list(Meeting.objects.values_list("note_taker_signature", flat=True))
    texts += list(WorkingGroup.objects.values_list("description", flat=True))
    return texts


def model_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def run_command() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo():
    return demo_load(with_password=False)


def demo_meetings():
    return Meeting.objects.filter(series__slug__in=[UTVECKLINGSGRUPP, LEDNINGSGRUPP])


# The command


@override_settings(DEBUG=True)
def test_command_prints_the_login_and_the_password_works_when_debug_is_on(client):
    output = run_command()

    assert f"{STAFF_USERNAME} / {DEMO_PASSWORD}" in output
    assert "http://127.0.0.1:8000/admin/" in output
    # Through the real login form, as a person would (and past django-axes).
    response = client.post(
        "/admin/login/?next=/admin/", {"username": STAFF_USERNAME, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == "/admin/"


@override_settings(DEBUG=True)
def test_staff_user_is_a_superuser_and_its_password_is_reset_on_every_run():
    run_command()
    user = get_user_model().objects.get(username=STAFF_USERNAME)
    user.set_password("något-annat")
    user.save()

    run_command()

    user.refresh_from_db()
    assert user.is_staff
    assert user.is_superuser
    assert user.check_password(DEMO_PASSWORD)


@override_settings(DEBUG=False)
def test_command_sets_no_known_password_when_debug_is_off():
    output = run_command()

    user = get_user_model().objects.get(username=STAFF_USERNAME)
    assert not user.has_usable_password()
    assert DEMO_PASSWORD not in output
    assert "changepassword personal" in output


def test_command_removes_a_demo_password_left_from_a_debug_run():
    with override_settings(DEBUG=True):
        run_command()

    with override_settings(DEBUG=False):
        run_command()

    user = get_user_model().objects.get(username=STAFF_USERNAME)
    assert not user.has_usable_password()


def test_command_keeps_a_password_that_staff_chose_when_debug_is_off():
    get_user_model().objects.create_user(STAFF_USERNAME, password="ett-eget-lösenord")

    with override_settings(DEBUG=False):
        run_command()

    user = get_user_model().objects.get(username=STAFF_USERNAME)
    assert user.check_password("ett-eget-lösenord")
    assert user.is_superuser


# Idempotency


def test_running_the_command_twice_changes_no_count_of_any_model():
    run_command()
    first = model_counts()

    run_command()

    assert model_counts() == first
    again = demo_load(with_password=False)
    assert (again.created, again.updated) == (0, 0)


def test_loading_again_on_a_later_day_creates_nothing_new():
    today = timezone.localdate()
    demo_load(today=today)
    first = model_counts()
    dates = list(Meeting.objects.order_by("pk").values_list("date", flat=True))

    result = demo_load(today=today + datetime.timedelta(days=45))

    assert model_counts() == first
    assert list(Meeting.objects.order_by("pk").values_list("date", flat=True)) == dates
    assert (result.created, result.updated) == (0, 0)


@pytest.mark.parametrize("weekday", range(7))
def test_loading_on_any_weekday_gives_past_and_future_meetings_on_the_usual_weekdays(weekday):
    today = datetime.date(2025, 3, 3) + datetime.timedelta(days=weekday)

    demo_load(today=today)

    for meeting in demo_meetings():
        assert meeting.date.weekday() == meeting.series.weekday
    assert demo_meetings().filter(date__lt=today).count() >= 6
    assert demo_meetings().filter(date__gt=today, status=Meeting.Status.PLANNED).count() >= 2


def test_command_refuses_to_overwrite_meetings_already_on_its_dates(demo):
    Meeting.objects.filter(series__slug=UTVECKLINGSGRUPP, theme="Stadens utegym").update(
        theme="Ett riktigt möte"
    )
    before = model_counts()

    with pytest.raises(CommandError):
        run_command()

    assert model_counts() == before


# The real organisations, series and groups


def test_organisations_are_the_real_ones_with_kinds_aliases_and_parents(demo):
    sof = Organisation.objects.get(name="Socialförvaltningen")
    bryggan = Organisation.objects.get(name="Fontänhuset Bryggan")
    g7 = Organisation.objects.get(name="G7")

    assert sof.short_name == "SOF"
    assert sof.kind == Organisation.Kind.MUNICIPAL_DEPARTMENT
    assert Organisation.objects.get(short_name="AMF").name == "Arbetsmarknadsförvaltningen"
    assert {"Bryggan", "Fontänhuset"} <= set(bryggan.alias_list)
    assert g7.parent.name == "Ria / Hela människan"
    assert Organisation.objects.get(name="Maskrosbarn").kind == (
        Organisation.Kind.NATIONAL_ORGANISATION
    )
    assert Organisation.objects.get(name="Pingstkyrkan").kind == Organisation.Kind.OTHER
    assert demo.organisations >= 12


def test_series_are_the_real_ones(demo):
    from meetings.models import MeetingSeries

    utveckling = MeetingSeries.objects.get(slug=UTVECKLINGSGRUPP)
    ledning = MeetingSeries.objects.get(slug=LEDNINGSGRUPP)

    assert (utveckling.weekday, utveckling.start_time) == (0, datetime.time(13, 30))
    assert utveckling.duration == datetime.timedelta(hours=2)
    assert utveckling.default_place == "Bryggan"
    assert "Gemensam ledningsgrupp" in ledning.alias_list
    assert ledning.open_to_all
    assert (ledning.weekday, ledning.interval_weeks) == (3, 2)
    assert ledning.standing_members.count() >= 5
    assert MeetingSeries.objects.filter(name="Innovationsgruppen på Café Ria").exists()


def test_working_groups_have_aliases_sub_projects_members_and_a_formed_at_meeting(demo):
    samskapade = WorkingGroup.objects.get(name="Samskapade tjänster")

    assert samskapade.children.count() == 2
    assert "Po Drom" in WorkingGroup.objects.get(name="Bättre hälsa för unga romer").alias_list
    assert "Fritidsbanken" in WorkingGroup.objects.get(name="Fritidsbank").alias_list
    assert "Brukarmedverkan i rekrytering" in (
        WorkingGroup.objects.get(name="Rekryteringsgrupp").alias_list
    )
    formed = WorkingGroup.objects.get(formed_at__isnull=False)
    assert formed.formed_at.agenda_items.filter(working_groups=formed).exists()
    roles = set(WorkingGroup.members.through.objects.values_list("role", flat=True))
    assert roles == {"lead", "contact", "member"}
    assert len(set(WorkingGroup.objects.values_list("status", flat=True))) >= 4


# People


def test_no_person_named_in_the_seeds_appears_in_the_demo(demo):
    seed_names = all_seed_names()
    assert seed_names >= SEED_NAMES

    assert not name_parts(demo_person_names()) & (name_parts(seed_names) | SEED_NICKNAMES)
    for text in demo_texts():
        for name in seed_names:
            assert name not in text


def test_the_seed_parser_finds_the_attendance_lists():
    if not SEEDS.is_dir():
        pytest.skip("the seed protocols are not here")

    names = seed_attendee_names()

    assert {"Ia Jonsson", "Ivan Kuzhicov", "Ivan Kuzhikov", "David Bergström"} <= names


def test_people_have_a_mix_of_publication_levels_and_one_has_a_nickname(demo):
    levels = set(Person.objects.values_list("publication_level", flat=True))

    assert {"", "full_name", "initials", "role"} <= levels
    assert Person.objects.exclude(aliases="").exists()
    official = Person.objects.get(name="Maja Lindqvist")
    assert official.publication_level == ""
    assert person_public_name(official) == "Maja Lindqvist"
    member = Person.objects.get(name="Kristoffer Ahl")
    assert person_public_name(member) == "Medlem, Fontänhuset Bryggan"


# Meetings and protocols


def test_there_are_at_least_six_meetings_over_two_series(demo):
    assert demo_meetings().count() >= 6
    assert demo_meetings().values("series").distinct().count() == 2
    assert demo.meetings == demo_meetings().count()


def test_protocol_states_cover_draft_approved_published_and_planned(demo):
    today = timezone.localdate()
    past = demo_meetings().filter(date__lt=today)

    assert demo_meetings().published().count() >= 4
    assert past.filter(protocol_state=Meeting.ProtocolState.DRAFT).exists()
    approved = demo_meetings().get(protocol_state=Meeting.ProtocolState.APPROVED)
    assert approved.approved_by is not None
    assert approved.date <= approved.approved_on <= today
    planned = demo_meetings().upcoming(today)
    assert planned.count() >= 2
    assert all(m.protocol_state == Meeting.ProtocolState.DRAFT for m in planned)


def test_every_published_demo_protocol_passes_the_publication_checks(demo):
    for meeting in demo_meetings().published():
        assert protocol_publication_problems(meeting) == []
        assert meeting.published_by.username == STAFF_USERNAME
        assert meeting.approved_by is not None


def test_planned_meeting_expects_the_standing_members(demo):
    today = timezone.localdate()
    planned = demo_meetings().upcoming(today).get(series__slug=LEDNINGSGRUPP)

    expected = planned.attendances.filter(status=Attendance.Status.EXPECTED)
    assert set(expected.values_list("person", flat=True)) == set(
        planned.series.standing_members.values_list("pk", flat=True)
    )


def test_attendance_covers_every_role_and_status(demo):
    attendances = Attendance.objects.filter(meeting__in=demo_meetings())

    assert attendances.filter(status=Attendance.Status.ABSENT, is_standing_member=True).exists()
    assert attendances.filter(status=Attendance.Status.EXCUSED).exists()
    assert attendances.filter(is_note_taker=True).exists()
    assert attendances.filter(is_chair=True).exists()
    assert attendances.filter(is_guest=True).exists()
    assert attendances.filter(affiliation_as_written="Ria/G7").exists()
    assert attendances.filter(person__isnull=True).exists()
    for meeting in demo_meetings().exclude(approved_by=None):
        assert meeting.attendances.get(is_approver=True).person == meeting.approved_by


def test_nickname_and_spelling_are_kept_as_written(demo):
    assert Attendance.objects.filter(
        name_as_written="Totte Ekström", person__name="Torbjörn Ekström"
    ).exists()
    assert Attendance.objects.filter(
        name_as_written="Mirela Stojanovic", person__name="Mirela Stojanović"
    ).exists()


def test_agenda_items_hold_decisions_and_a_tabled_item_picked_up_later(demo):
    assert Decision.objects.filter(meeting__in=demo_meetings()).count() >= 3
    tabled = AgendaItem.objects.filter(kind=AgendaItem.Kind.TABLED, picked_up_by__isnull=False)

    assert tabled.exists()
    for item in tabled:
        assert item.picked_up_by.meeting.date > item.meeting.date
        assert item.picked_up_by.meeting.series == item.meeting.series
    assert AgendaItem.objects.filter(working_groups__isnull=False).exists()
    assert AgendaItem.objects.filter(level=2).exists()


def test_agenda_bodies_use_markdown(demo):
    bodies = "\n".join(AgendaItem.objects.values_list("body", flat=True))

    assert "\n- " in bodies
    assert "\n  - " in bodies
    assert "\n1. " in bodies
    assert "**" in bodies
    assert "<https://" in bodies


def test_action_items_go_to_people_and_organisations_and_are_followed_up(demo):
    actions = ActionItem.objects.filter(meeting__in=demo_meetings())

    assert actions.filter(assigned_people__isnull=False).exists()
    to_amf = actions.get(assignees_as_written="Arbetsmarknadsförvaltningen")
    assert list(to_amf.assigned_organisations.values_list("short_name", flat=True)) == ["AMF"]
    assert not to_amf.assigned_people.exists()
    assert actions.filter(status=ActionItem.Status.OPEN).exists()
    assert actions.filter(status=ActionItem.Status.DONE).exists()
    assert actions.filter(due_next_meeting=True).exists()
    for action in actions.exclude(followed_up_at=None):
        assert action.followed_up_at.date > action.meeting.date


def test_the_planned_meeting_follows_up_the_open_action_items_of_published_protocols(demo):
    today = timezone.localdate()
    planned = demo_meetings().upcoming(today).get(series__slug=LEDNINGSGRUPP)
    open_actions = ActionItem.objects.open().filter(meeting__series=planned.series)
    published = open_actions.filter(meeting__protocol_state=Meeting.ProtocolState.PUBLISHED)
    unpublished = open_actions.exclude(meeting__protocol_state=Meeting.ProtocolState.PUBLISHED)

    assert published.exists() and unpublished.exists()
    assert set(published.values_list("followed_up_at", flat=True)) == {planned.pk}
    # Nothing from a protocol the public has not seen is copied into the new meeting.
    assert set(unpublished.values_list("followed_up_at", flat=True)) == {None}
    assert planned.agenda_items.count() >= 2


def test_a_person_who_changed_organisation_keeps_what_old_protocols_said(demo):
    person = Person.objects.get(name="Sanna Holmgren")
    old = Affiliation.objects.get(person=person, organisation=None)
    new = Affiliation.objects.get(person=person, organisation__short_name="SOF")
    written = list(
        person.attendances.filter(meeting__status=Meeting.Status.HELD)
        .order_by("meeting__date")
        .values_list("affiliation_as_written", flat=True)
    )

    assert old.role == "brukarmentor"
    assert old.end < new.start
    assert written[0] == "brukarmentor"
    assert written[-1] == "socialförvaltningen"


def test_publishing_the_waiting_demo_protocol_emails_the_demo_follower(demo, mailoutbox, commit):
    """In `make run` the staff user follows the series whose approved protocol waits to be
    published, so publishing it shows a real follower email (local settings run tasks at once)."""
    waiting = Meeting.objects.get(
        series__slug=UTVECKLINGSGRUPP, protocol_state=Meeting.ProtocolState.APPROVED
    )
    staff = get_user_model().objects.get(username=STAFF_USERNAME)
    assert mailoutbox == []  # the protocols the demo published itself are not news

    commit(lambda: protocol_publish(meeting=waiting, by=staff))

    assert [mail.to for mail in mailoutbox] == [[staff.email]]
    assert waiting.series.name in mailoutbox[0].subject + mailoutbox[0].body
