""" "Mina sidor": what I follow, its next meetings and news, my action items and meetings."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from meetings.models import ActionItem, Attendance, Meeting
from people.models import Follow, Person
from projects.models import WorkingGroup
from tests.factories import (
    ActionItemFactory,
    AffiliationFactory,
    AgendaItemFactory,
    AttendanceFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
    WorkingGroupFactory,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

URL = "/mina-sidor/"
SECRET = "Hemlighet"  # in unpublished protocols only: must never show


@pytest.fixture(autouse=True)
def english(client, settings):
    """The tests read the English source strings, whatever the Swedish catalog says."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def published(**fields) -> Meeting:
    return MeetingFactory(
        protocol_state=Meeting.ProtocolState.PUBLISHED, published_at=timezone.now(), **fields
    )


def planned(**fields) -> Meeting:
    return MeetingFactory(status=Meeting.Status.PLANNED, **fields)


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def person(user):
    return PersonFactory(user=user, name="Ia Brukarsson")


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


def page(client) -> str:
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def test_the_address_and_login(client):
    assert reverse("people:my_page") == URL
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("people:login"))


def test_nothing_followed_shows_suggestions_not_an_empty_page(user_client):
    WorkingGroupFactory(name="Fritidsbank", status=WorkingGroup.Status.ACTIVE)
    WorkingGroupFactory(name="Avslutad grupp", status=WorkingGroup.Status.FINISHED)
    with_meetings = MeetingSeriesFactory(name="Innovationsgruppen")
    planned(series=with_meetings, date=days(10))
    MeetingSeriesFactory(name="Vilande serie")

    html = page(user_client)

    assert "You do not follow anything yet." in html
    assert "Fritidsbank" in html
    assert "Innovationsgruppen" in html
    assert "Avslutad grupp" not in html
    assert "Vilande serie" not in html
    assert html.count(">Follow<") == 2
    assert 'name="back" value="my_page"' in html


def test_a_user_without_a_person_gets_a_working_page(user_client, user):
    assert not Person.objects.filter(user=user).exists()

    html = page(user_client)

    assert "Email is on." in html
    assert "Things to do" in html


def test_followed_groups_and_series_with_their_news_from_published_protocols_only(
    user_client, user
):
    group = WorkingGroupFactory(name="Fritidsbank")
    other_group = WorkingGroupFactory(name="Klarspråk")
    series = MeetingSeriesFactory(name="Gemensam utvecklingsgrupp")
    steering = MeetingSeriesFactory(name="Ledningsgrupp")
    quiet = MeetingSeriesFactory(name="Tyst serie")
    Follow.objects.create(user=user, working_group=group)
    Follow.objects.create(user=user, series=series)

    report = published(series=steering, date=days(-20))
    AgendaItemFactory(meeting=report, title="Rapport om utlåning").working_groups.add(group)
    AgendaItemFactory(meeting=report, title="Inget för dig").working_groups.add(other_group)
    AgendaItemFactory(meeting=published(series=series, date=days(-10)), title="Tema boende")
    draft = MeetingFactory(series=steering, date=days(-5))
    AgendaItemFactory(meeting=draft, title=f"{SECRET} punkt").working_groups.add(group)
    AgendaItemFactory(meeting=MeetingFactory(series=series, date=days(-3)), title=SECRET)

    planned(series=series, date=days(7), theme="Nästa tema")
    planned(series=steering, date=days(14))  # the steering group discusses Fritidsbank
    planned(series=quiet, date=days(3))
    # A planned meeting whose draft agenda names the group must not reveal it.
    secret_plan = planned(series=quiet, date=days(21), theme="Ska inte synas")
    AgendaItemFactory(meeting=secret_plan, title=SECRET).working_groups.add(group)
    planned(series=series, date=days(-1))  # in the past: not next

    html = page(user_client)

    assert "Fritidsbank" in html and "Gemensam utvecklingsgrupp" in html
    assert html.count("Stop following") == 2
    assert "Rapport om utlåning" in html
    assert f"{report.get_absolute_url()}#item-" in html
    assert "Tema boende" in html
    assert "Inget för dig" not in html
    assert SECRET not in html
    assert "Nästa tema" in html
    assert "Ledningsgrupp" in html
    assert "Tyst serie" not in html
    assert "Ska inte synas" not in html


def test_action_items_for_me_and_my_organisation_open_first_from_published_protocols(
    user_client, person
):
    mine_now = OrganisationFactory(name="Vorta Drom")
    mine_before = OrganisationFactory(name="Gamla föreningen")
    AffiliationFactory(person=person, organisation=mine_now, start=days(-400))
    AffiliationFactory(person=person, organisation=mine_before, start=days(-900), end=days(-401))
    old = published(date=days(-60))
    recent = published(date=days(-10))
    done = ActionItemFactory(meeting=recent, text="Klar uppgift", status=ActionItem.Status.DONE)
    done.assigned_people.add(person)
    ActionItemFactory(meeting=old, text="Min uppgift").assigned_people.add(person)
    ActionItemFactory(meeting=recent, text="Föreningens uppgift").assigned_organisations.add(
        mine_now
    )
    ActionItemFactory(meeting=recent, text="Gammal förenings uppgift").assigned_organisations.add(
        mine_before
    )
    ActionItemFactory(meeting=recent, text="Någon annans uppgift").assigned_people.add(
        PersonFactory()
    )
    ActionItemFactory(meeting=MeetingFactory(), text=SECRET).assigned_people.add(person)

    html = page(user_client)

    assert (
        html.index("Föreningens uppgift") < html.index("Min uppgift") < html.index("Klar uppgift")
    )
    assert "<details>" in html
    assert "Gammal förenings uppgift" not in html
    assert "Någon annans uppgift" not in html
    assert SECRET not in html
    assert old.get_absolute_url() in html  # the meeting that raised it


def test_meetings_where_i_am_expected(user_client, person):
    expected = planned(date=days(5), place="Café Ria")
    AttendanceFactory(meeting=expected, person=person, status=Attendance.Status.EXPECTED)
    AttendanceFactory(
        meeting=planned(date=days(6), place="Annan plats"),
        person=person,
        status=Attendance.Status.EXCUSED,
    )
    AttendanceFactory(
        meeting=MeetingFactory(date=days(-5), place="Förra gången"),
        person=person,
        status=Attendance.Status.EXPECTED,
    )

    html = page(user_client)

    assert "Café Ria" in html
    assert "Annan plats" not in html
    assert "Förra gången" not in html
    assert "You are not expected at any meeting right now." not in html


def test_the_email_switch_shows_the_state_and_says_what_happened(user_client, person):
    assert "Turn email off" in page(user_client)

    response = user_client.post(reverse("people:notifications"), {"enabled": "off"})
    assert response.url == URL
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Email is off. We will not send you any more emails."
    ]
    person.refresh_from_db()
    assert person.email_notifications is False
    html = page(user_client)
    assert "Email is off." in html and "Turn email on" in html

    response = user_client.post(reverse("people:notifications"), {"enabled": "on"})
    person.refresh_from_db()
    assert person.email_notifications is True


def test_the_switch_works_for_a_user_without_a_person(user_client, user):
    user.first_name, user.last_name = "Bo", "Ek"
    user.save()

    user_client.post(reverse("people:notifications"), {"enabled": "off"})

    person = Person.objects.get(user=user)
    assert person.email_notifications is False
    assert person.name == "Bo Ek"
    assert "Email is off." in page(user_client)


def test_the_switch_needs_login_and_post(client, user_client, person):
    assert client.get(reverse("people:notifications")).status_code == 302
    response = user_client.get(reverse("people:notifications"))
    assert response.url == URL
    person.refresh_from_db()
    assert person.email_notifications is True
    assert reverse("people:notifications") == "/mina-sidor/notiser/"


def build(user, person, n: int) -> None:
    """n followed groups and series, each with published items, action items and meetings."""
    organisation = OrganisationFactory()
    AffiliationFactory(person=person, organisation=organisation)
    for i in range(n):
        group = WorkingGroupFactory()
        series = MeetingSeriesFactory()
        Follow.objects.create(user=user, working_group=group)
        Follow.objects.create(user=user, series=series)
        protocol = published(series=series, date=days(-1 - i))
        item = AgendaItemFactory(meeting=protocol)
        item.working_groups.add(group)
        action = ActionItemFactory(meeting=protocol, agenda_item=item)
        action.assigned_people.add(person, PersonFactory())
        action.assigned_organisations.add(organisation)
        ActionItemFactory(meeting=protocol).assigned_organisations.add(organisation)
        upcoming = planned(series=series, date=days(1 + i))
        AttendanceFactory(meeting=upcoming, person=person, status=Attendance.Status.EXPECTED)


def test_a_constant_number_of_queries_whatever_the_amount(client):
    counts = {}
    for n in (1, 30):
        user = UserFactory()
        person = PersonFactory(user=user)
        build(user, person, n)
        client.force_login(user)
        counts[n] = count_queries(client, URL)
    assert counts[1] == counts[30], counts
    assert counts[30] <= 12, counts  # session and user, then 10 for the page


def test_a_constant_number_of_queries_with_suggestions(client):
    counts = {}
    for n in (1, 30):
        for _ in range(n):
            planned(series=MeetingSeriesFactory(), date=days(3))
            WorkingGroupFactory()
        client.force_login(UserFactory())
        counts[n] = count_queries(client, URL)
    assert counts[1] == counts[30], counts
    assert counts[30] <= 8, counts


def test_my_page_links_to_my_details(client):
    from django.urls import reverse

    from tests.factories import PersonFactory, UserFactory

    user = UserFactory()
    PersonFactory(user=user)
    client.force_login(user)
    content = client.get(reverse("people:my_page")).content.decode()
    assert reverse("people:my_data") in content
