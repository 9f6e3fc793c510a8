"""The Atom feed of newly published protocols (/protokoll/atom/)."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting
from tests.factories import AgendaItemFactory, AttendanceFactory, MeetingFactory, PersonFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SECRET_NAMES = ["Zlatana Hemligsdotter", "Bosse Anonymsson", "Justina Granskare"]


def published(minutes_ago: int = 0, **kwargs) -> Meeting:
    published_at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    return MeetingFactory(
        protocol_state=Meeting.ProtocolState.PUBLISHED, published_at=published_at, **kwargs
    )


def parse(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 - our own feed, made by Django's generator


def get_feed(client) -> ET.Element:
    response = client.get(reverse("meetings:feed"))
    assert response.status_code == 200
    return parse(response.content)


def entries(feed: ET.Element) -> list[ET.Element]:
    return feed.findall(f"{ATOM}entry")


def link_of(entry: ET.Element) -> str:
    return entry.find(f"{ATOM}link").get("href")


def test_the_feed_is_atom_with_a_title_and_a_link_to_the_protocols(client):
    response = client.get(reverse("meetings:feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = parse(response.content)
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}title").text
    assert feed.find(f"{ATOM}subtitle").text
    assert feed.find(f"{ATOM}author/{ATOM}name").text == "Delaktig"
    assert feed.find(f"{ATOM}link[@rel='alternate']").get("href") == (
        f"http://testserver{reverse('meetings:archive')}"
    )


def test_each_entry_has_title_link_items_dates_and_a_stable_id(client):
    meeting = published(
        date=datetime.date(2017, 1, 23), theme="Personligt ombud", series__name="Gemensam"
    )
    AgendaItemFactory(meeting=meeting, order=2, title="Fritidsbanken & <lokaler>")
    AgendaItemFactory(meeting=meeting, order=1, title="Digitalt utanförskap")

    (entry,) = entries(get_feed(client))

    assert entry.find(f"{ATOM}title").text == "Gemensam 23 januari 2017"
    assert link_of(entry) == f"http://testserver{meeting.get_absolute_url()}"
    summary = entry.find(f"{ATOM}summary")
    assert summary.get("type") == "html"
    assert "Personligt ombud" in summary.text
    assert summary.text.index("Digitalt utanförskap") < summary.text.index("Fritidsbanken")
    assert "Fritidsbanken &amp; &lt;lokaler&gt;" in summary.text  # escaped as HTML
    published_text = entry.find(f"{ATOM}published").text
    assert datetime.datetime.fromisoformat(published_text) == meeting.published_at
    assert entry.find(f"{ATOM}updated").text == published_text
    assert entry.find(f"{ATOM}id").text == f"tag:testserver,2016:meeting-{meeting.pk}"


def test_the_feed_holds_the_30_most_recently_published_protocols_newest_first(client):
    meetings = [published(minutes_ago=n) for n in range(32)]  # meetings[0] is the newest
    links = [link_of(entry) for entry in entries(get_feed(client))]
    assert links == [f"http://testserver{m.get_absolute_url()}" for m in meetings[:30]]


def test_the_feed_orders_by_publication_not_by_meeting_date(client):
    old_meeting_published_now = published(minutes_ago=0, date=datetime.date(2016, 3, 7))
    new_meeting_published_earlier = published(minutes_ago=60, date=datetime.date(2017, 5, 22))
    links = [link_of(entry) for entry in entries(get_feed(client))]
    assert links == [
        f"http://testserver{old_meeting_published_now.get_absolute_url()}",
        f"http://testserver{new_meeting_published_earlier.get_absolute_url()}",
    ]


def test_the_feed_leaves_out_drafts_unpublished_protocols_and_every_name(client):
    shown = published(
        theme="Publicerat tema",
        approved_by=PersonFactory(name=SECRET_NAMES[2]),
        approved_on=datetime.date(2017, 12, 1),
        note_taker_signature=f"Vid pennan {SECRET_NAMES[1]}",
    )
    AgendaItemFactory(meeting=shown, title="Återkoppling från arbetsgrupperna")
    draft = MeetingFactory(theme="Hemligt utkasttema")
    AgendaItemFactory(meeting=draft, title="Punkt ur ett utkast")
    approved = MeetingFactory(
        theme="Justerat men opublicerat tema", protocol_state=Meeting.ProtocolState.APPROVED
    )
    planned = MeetingFactory(
        status=Meeting.Status.PLANNED,
        date=timezone.localdate() + datetime.timedelta(days=7),
        theme="Planerat tema",
    )
    for meeting in (shown, draft, approved):
        AttendanceFactory(meeting=meeting, person=PersonFactory(name=SECRET_NAMES[0]))

    content = client.get(reverse("meetings:feed")).content.decode()

    assert "Återkoppling från arbetsgrupperna" in content
    for meeting in (draft, approved, planned):
        assert meeting.get_absolute_url() not in content
    for text in [
        "Hemligt utkasttema",
        "Punkt ur ett utkast",
        "Justerat men opublicerat tema",
        "Planerat tema",
        *SECRET_NAMES,
    ]:
        assert text not in content


def test_an_empty_feed_is_still_a_valid_feed(client):
    MeetingFactory(theme="Utkast")
    feed = get_feed(client)
    assert entries(feed) == []


@pytest.mark.parametrize("count", [1, 50])
def test_the_feed_costs_the_same_queries_for_1_or_50_protocols(
    client, django_assert_max_num_queries, count
):
    for n in range(count):
        meeting = published(minutes_ago=n)
        AgendaItemFactory(meeting=meeting)
        AgendaItemFactory(meeting=meeting)
        AttendanceFactory(meeting=meeting)
    url = reverse("meetings:feed")
    client.get(url)  # warm process caches
    with django_assert_max_num_queries(4):
        response = client.get(url)
    assert len(entries(parse(response.content))) == min(count, 30)
