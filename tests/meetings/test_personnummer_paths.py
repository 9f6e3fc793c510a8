"""A personnummer never reaches the public, whatever path writes it: a table of write
paths × ways of writing the number.

Each write path is a function that puts text into a protocol as a staff member would
(over HTTP in the admin, or as a script does through ``policy.protocol_guard``). For a
published protocol the change must be refused whole, with a Swedish reason that names
the field; for a draft it is saved with a warning, and publishing it is then refused.
Either way, every public surface (pages, meta tags, feed, calendars, search, email) is
rendered afterwards for an anonymous visitor and searched for the number in any form.

``test_the_surfaces_show_a_number_that_is_really_public`` is the control: with the
number put on a published protocol behind the guard's back, the same helper finds it
on every surface, so the other tests cannot pass by looking at the wrong pages.
"""

from __future__ import annotations

import datetime
import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from meetings import policy
from meetings.models import ActionItem, AgendaItem, Decision, Meeting, SearchEntry
from meetings.notifications import notify_protocol_followers
from meetings.personnummer import find_personnummer
from meetings.services import protocol_publish
from organisations.models import Organisation
from people.models import Follow
from projects.models import WorkingGroup
from tests.factories import (
    ActionItemFactory,
    AgendaItemFactory,
    AttendanceFactory,
    DecisionFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
    WorkingGroupFactory,
)
from tests.meetings.admin_forms import (
    change_form_data,
    change_url,
    form_errors,
    form_values,
    set_row,
)

pytestmark = pytest.mark.django_db

# --- How the number is written --------------------------------------------------------

# 19811218-9876 has the right check digit, 19811218-9877 the wrong one: both are numbers.
VARIANTS = [
    pytest.param("19811218-9876", id="plain"),
    pytest.param("19811218-9877", id="plain-wrong-check-digit"),
    pytest.param("811218-9876", id="10-digit"),
    pytest.param("811218-9877", id="10-digit-wrong-check-digit"),
    pytest.param("8112189876", id="10-digit-no-separator"),
    pytest.param("19811218\u20139876", id="en-dash"),
    pytest.param("19811218\u20119876", id="non-breaking-hyphen"),
    pytest.param("19811218\u00a09876", id="no-break-space"),
    pytest.param("19811218 - 9876", id="spaced-hyphen"),
    pytest.param("19811218&#45;9876", id="entity"),
    pytest.param("19811218&#45;9877", id="entity-wrong-check-digit"),
    pytest.param("19811218\\-9876", id="markdown-escape"),
    pytest.param("19811218**-**9876", id="markdown-emphasis"),
    pytest.param("198112189876", id="no-separator"),
    pytest.param("19811218\u200e-9876", id="left-to-right-mark"),
    pytest.param(
        "\u00b9\u2079\u2078\u00b9\u00b9\u00b2\u00b9\u2078-\u2079\u2078\u2077\u2076",
        id="superscript",
    ),
]
# Every path with every variant took about 250 s on SQLite. The cheap paths (a script,
# the one-object admin pages, one field of the meeting's page) keep every variant; the
# slow ones (the meeting's page with its four inlines, a history, an import, a draft
# saved and then published) take these three: a wrong check digit, Markdown, an entity.
FEW_VARIANTS = [
    v for v in VARIANTS if v.id in {"10-digit-wrong-check-digit", "markdown-emphasis", "entity"}
]

# The date digits and the last four, with anything but digits between (markup, entities).
DIGITS_TOGETHER = re.compile(r"811218\D{0,40}987[67]")
ANY_DIGIT = re.compile(r"[0-9]")

# --- A protocol -----------------------------------------------------------------------

WORD = "Fritidsbanken"  # in every text of the protocol, to search for
TITLE = WORD
BODY = f"Vi pratade om lokaler för {WORD}."
DECISION = f"Gruppen beslutar att {WORD} får en lokal."
ACTION = f"Fråga {WORD} om nycklarna."
THEME = f"Lokaler för {WORD}"
PLACE = "Bryggan"


def with_number(text: str, number: str) -> str:
    return f"{text} Kontakt: {number}."


@dataclass
class Protocol:
    meeting: Meeting
    item: AgendaItem
    decision: Decision
    action: ActionItem


@pytest.fixture
def visitor() -> Client:
    """Someone without an account: the public."""
    return Client()


@pytest.fixture
def world(db):
    """A series with a follower, a working group and an organisation for a protocol."""
    series = MeetingSeriesFactory(name="Samrådsgruppen", slug="samradsgruppen")
    follower = UserFactory(username="foljare")
    Follow.objects.create(user=follower, series=series)
    return {
        "series": series,
        "group": WorkingGroupFactory(name="Lokalgruppen", slug="lokalgruppen"),
        "organisation": OrganisationFactory(name="Vorta Drom", slug="vorta-drom"),
    }


def build_protocol(world) -> Protocol:
    """A protocol ready to publish: approved, held a month ago, someone present, an item
    about the working group, a decision and an action item; all text clean."""
    meeting = MeetingFactory(
        series=world["series"],
        date=timezone.localdate() - datetime.timedelta(days=30),
        place=PLACE,
        theme=THEME,
        approved=True,
    )
    attendance = AttendanceFactory(
        meeting=meeting,
        order=1,
        person=PersonFactory(name="Signe Privatsson"),
        name_as_written="Signe Privatsson",
        affiliation_as_written="Vorta Drom",
    )
    attendance.organisations.add(world["organisation"])
    item = AgendaItemFactory(meeting=meeting, order=1, title=TITLE, body=BODY)
    item.working_groups.add(world["group"])
    decision = DecisionFactory(meeting=meeting, agenda_item=item, text=DECISION)
    action = ActionItemFactory(meeting=meeting, agenda_item=item, text=ACTION)
    action.assigned_organisations.add(world["organisation"])
    return Protocol(meeting, item, decision, action)


def publish(commit, protocol: Protocol, by) -> None:
    commit(lambda: protocol_publish(meeting=protocol.meeting, by=by))
    protocol.meeting.refresh_from_db()
    assert protocol.meeting.is_published


def stored(meeting: Meeting) -> dict:
    """Everything a refused change must leave as it was."""
    checked = policy.protocol_for_check(meeting.pk)
    return {
        "state": checked.protocol_state,
        "texts": sorted(
            (type(place.obj).__name__, place.obj.pk, place.form_field, place.text)
            for place in policy.protocol_text_places(checked)
        ),
        "versions": [
            model.history.count() for model in (Meeting, AgendaItem, Decision, ActionItem)
        ],
        "admin_log": LogEntry.objects.count(),
    }


def holds_a_number(meeting: Meeting) -> bool:
    """Whether the protocol's text holds a number (the import reads a no-break space as a
    space, so not always the very characters written)."""
    return bool(policy.personnummer_problems(policy.protocol_for_check(meeting.pk)))


# --- Write paths to a published protocol -----------------------------------------------
# Each returns what staff were answered: the response, or the refusal a script gets.


def admin_page_data(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    return form_values(response.context["adminform"].form)


def meeting_page_item_body(client, protocol, number):
    data = change_form_data(client, protocol.meeting)
    set_row(data, "agenda_items", protocol.item, body=with_number(BODY, number))
    return client.post(change_url(protocol.meeting), data)


def meeting_page_decision(client, protocol, number):
    data = change_form_data(client, protocol.meeting)
    set_row(data, "decisions", protocol.decision, text=with_number(DECISION, number))
    return client.post(change_url(protocol.meeting), data)


def meeting_page_action(client, protocol, number):
    data = change_form_data(client, protocol.meeting)
    set_row(data, "action_items", protocol.action, text=with_number(ACTION, number))
    return client.post(change_url(protocol.meeting), data)


def meeting_page_theme(client, protocol, number):
    data = change_form_data(client, protocol.meeting)
    data["theme"] = with_number(THEME, number)
    return client.post(change_url(protocol.meeting), data)


def meeting_page_place(client, protocol, number):
    data = change_form_data(client, protocol.meeting)
    data["place"] = with_number(PLACE, number)
    return client.post(change_url(protocol.meeting), data)


def meeting_page_attendance(client, protocol, number):
    data = change_form_data(client, protocol.meeting)
    attendance = protocol.meeting.attendances.get()
    set_row(data, "attendances", attendance, affiliation_as_written=f"Vorta Drom {number}")
    return client.post(change_url(protocol.meeting), data)


def agendaitem_page_title(client, protocol, number):
    url = reverse("admin:meetings_agendaitem_change", args=[protocol.item.pk])
    data = admin_page_data(client, url) | {"title": with_number(TITLE, number)}
    return client.post(url, data)


def agendaitem_page_body(client, protocol, number):
    url = reverse("admin:meetings_agendaitem_change", args=[protocol.item.pk])
    data = admin_page_data(client, url) | {"body": with_number(BODY, number)}
    return client.post(url, data)


def actionitem_page(client, protocol, number):
    url = reverse("admin:meetings_actionitem_change", args=[protocol.action.pk])
    data = admin_page_data(client, url) | {"text": with_number(ACTION, number)}
    return client.post(url, data)


def agendaitem_add_page(client, protocol, number):
    data = {
        "meeting": protocol.meeting.pk,
        "order": 2,
        "level": 1,
        "kind": AgendaItem.Kind.DISCUSSION,
        "title": "Nytt ärende",
        "body": with_number(BODY, number),
    }
    return client.post(reverse("admin:meetings_agendaitem_add"), data)


def old_version_with_number(protocol, number) -> None:
    """While the meeting was a draft, the item held the number; then it was cleaned."""
    protocol.item.body = with_number(BODY, number)
    protocol.item.save()
    protocol.item.body = BODY
    protocol.item.save()


def history_revert(client, protocol, number):
    (version,) = [v for v in protocol.item.history.all() if number in v.body]
    url = reverse(
        "admin:meetings_agendaitem_simple_history", args=[protocol.item.pk, version.history_id]
    )
    return client.post(url, admin_page_data(client, url))


def script(client, protocol, number):
    """A script changes an item as the guard's docstring says scripts do."""
    with (
        translation.override("sv"),
        pytest.raises(policy.ProtocolChangeRefused) as refused,
        transaction.atomic(),
        policy.protocol_guard(),
    ):
        item = AgendaItem.objects.get(pk=protocol.item.pk)
        item.body = with_number(BODY, number)
        item.save()
    return refused.value


@dataclass(frozen=True)
class WritePath:
    apply: Callable
    where: str  # how the refusal names the place and field
    answer: int | None  # 200: the form again; 302: back with a message; None: raises
    every_variant: bool  # False for a slow path: FEW_VARIANTS
    prepare: Callable | None = None  # done while the protocol is still a draft

    def __str__(self) -> str:
        return self.apply.__name__


ITEM_BODY = f"Punkt 1 ”{TITLE}”, fältet ”text”"
ACTION_TEXT = "Uppgift 1, fältet ”vad ska göras”"
ATTENDANCE = "Närvarolistan: Signe Privatsson, fältet ”organisation som det skrevs”"
# The meeting's change page (four inlines) is slow: every variant through one of its
# fields, the few through the others.
PUBLISHED_PATHS = [
    WritePath(meeting_page_item_body, ITEM_BODY, 200, every_variant=True),
    WritePath(meeting_page_decision, "Beslut 1, fältet ”beslut”", 200, every_variant=False),
    WritePath(meeting_page_action, ACTION_TEXT, 200, every_variant=False),
    WritePath(meeting_page_theme, "Tema, fältet ”tema”", 200, every_variant=False),
    WritePath(meeting_page_place, "Plats, fältet ”plats”", 200, every_variant=False),
    WritePath(meeting_page_attendance, ATTENDANCE, 200, every_variant=False),
    WritePath(agendaitem_page_title, "fältet ”rubrik”", 200, every_variant=True),
    WritePath(agendaitem_page_body, ITEM_BODY, 200, every_variant=True),
    WritePath(actionitem_page, ACTION_TEXT, 200, every_variant=True),
    WritePath(agendaitem_add_page, "Punkt 2 ”Nytt ärende”, fältet ”text”", 200, every_variant=True),
    WritePath(history_revert, ITEM_BODY, 302, every_variant=False, prepare=old_version_with_number),
    WritePath(script, ITEM_BODY, None, every_variant=True),
]

# --- Write paths to a draft, and ways to try to publish it ----------------------------
# A draft write returns the meeting and the warnings staff saw when it was saved.


def saved_with_warnings(response) -> list[str]:
    assert response.status_code == 302, form_errors(response)
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]


def draft_meeting_page_item_body(client, protocol, number):
    return protocol.meeting, saved_with_warnings(meeting_page_item_body(client, protocol, number))


def draft_meeting_page_theme(client, protocol, number):
    return protocol.meeting, saved_with_warnings(meeting_page_theme(client, protocol, number))


def draft_agendaitem_page_body(client, protocol, number):
    return protocol.meeting, saved_with_warnings(agendaitem_page_body(client, protocol, number))


def draft_actionitem_page(client, protocol, number):
    return protocol.meeting, saved_with_warnings(actionitem_page(client, protocol, number))


IMPORT_DATE = datetime.date(2024, 3, 12)
IMPORTED = f"""\
# Samrådsgruppen 12 mars 2024

## Närvarande

Signe Privatsson, Vorta Drom

## {TITLE}

{with_number(BODY, "{number}")}
"""


def imported(client, protocol, number):
    """The admin's import page: paste, create; the draft opens with warnings."""
    response = client.post(
        reverse("admin:meetings_meeting_import"),
        {"text": IMPORTED.replace("{number}", number), "create": "1"},
    )
    warnings = saved_with_warnings(response)
    meeting = Meeting.objects.get(series=protocol.meeting.series, date=IMPORT_DATE)
    assert meeting.protocol_state == Meeting.ProtocolState.DRAFT
    # Staff approve it (justering) and mark who was there: only the number is left.
    meeting.approved_by = PersonFactory()
    meeting.approved_on = IMPORT_DATE
    meeting.save()
    meeting.attendances.update(status="present")
    return meeting, warnings


def bulk_publish_action(client, meeting) -> str:
    response = client.post(
        reverse("admin:meetings_meeting_changelist"),
        {"action": "publish_protocols", ACTION_CHECKBOX_NAME: [meeting.pk]},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "publicerades inte" in page
    return page


def publish_page(client, meeting) -> str:
    url = reverse("admin:meetings_meeting_publish", args=[meeting.pk])
    response = client.post(url, {"confirm": "yes"})
    assert response.status_code == 302
    assert response.url == url  # not to the meeting: it was not published
    messages = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    assert messages, "publishing said nothing"
    return " ".join(messages)


@dataclass(frozen=True)
class DraftPath:
    write: Callable
    publish: Callable
    where: str
    every_variant = False  # two admin round trips (or an import) and a publish: slow

    def __str__(self) -> str:
        return f"{self.write.__name__}-then-{self.publish.__name__}"


DRAFT_PATHS = [
    DraftPath(draft_meeting_page_item_body, bulk_publish_action, ITEM_BODY),
    DraftPath(draft_meeting_page_theme, publish_page, "Tema, fältet ”tema”"),
    DraftPath(draft_agendaitem_page_body, publish_page, ITEM_BODY),
    DraftPath(draft_actionitem_page, bulk_publish_action, ACTION_TEXT),
    DraftPath(imported, publish_page, ITEM_BODY),
    DraftPath(imported, bulk_publish_action, ITEM_BODY),
]

# --- The public surfaces ----------------------------------------------------------------

RESULTS = re.compile(r'<ol class="list-unstyled search-results">.*?</ol>', re.DOTALL)
META = re.compile(r'<meta (?:name|property)="(?:description|og:[a-z]+)" content="[^"]*">')


def public_surfaces(client, meeting) -> dict[str, str]:
    """Each public surface that could show ``meeting``, as an anonymous visitor gets it."""
    meeting = Meeting.objects.select_related("series").get(pk=meeting.pk)
    groups = WorkingGroup.objects.filter(agenda_items__meeting=meeting).distinct()
    organisations = Organisation.objects.filter(attendances__meeting=meeting).distinct()

    def get(url, status=200, **query) -> str:
        response = client.get(url, query)
        assert response.status_code == status, url
        text = b"".join(getattr(response, "streaming_content", [response.content])).decode()
        # A calendar folds long lines (RFC 5545, 3.1): read them as a calendar program does.
        return re.sub(r"\r?\n[ \t]", "", text) if url.endswith(".ics") else text

    page = get(meeting.get_absolute_url(), 200 if meeting.is_published else 404)
    surfaces = {
        "protocol page": page,
        "meta tags": "\n".join(META.findall(page)),
        "home": get(reverse("home")),
        "archive": get(reverse("meetings:archive")),
        "series page": get(meeting.series.get_absolute_url()),
        "atom feed": get(reverse("meetings:feed")),
        "calendar.ics": get(reverse("meetings:calendar_ics")),
        "series.ics": get(reverse("meetings:series_ics", args=[meeting.series.slug])),
    }
    for group in groups:
        surfaces[f"group page {group.slug}"] = get(group.get_absolute_url())
        surfaces[f"group.ics {group.slug}"] = get(
            reverse("meetings:working_group_ics", args=[group.slug])
        )
    for organisation in organisations:
        surfaces[f"organisation page {organisation.slug}"] = get(organisation.get_absolute_url())

    # Search: the page for a word of the protocol (results and snippets), and for the
    # number's digits only what was found (the page repeats the visitor's own query).
    surfaces["search page"] = get(reverse("meetings:search"), q=WORD)
    for query in ("19811218-9876", "198112189876", "811218-9876", "9876", "9877"):
        results = RESULTS.search(get(reverse("meetings:search"), q=query))
        surfaces[f"search results {query}"] = results.group() if results else ""
    surfaces["search index"] = "\n".join(
        f"{entry.title}\n{entry.text}" for entry in SearchEntry.objects.all()
    )

    # Email: a new follower of the series is told about the protocol now (nothing for a
    # draft), beside everything sent so far in the test.
    Follow.objects.create(user=UserFactory(), series=meeting.series)
    notify_protocol_followers.call(meeting.pk)
    surfaces["email"] = "\n".join(
        f"{message.subject}\n{message.body}\n"
        + "\n".join(content for content, _type in message.alternatives)
        for message in mail.outbox
    )
    if meeting.is_published:  # looking at the right pages
        for name in ("protocol page", "search page", "email"):
            assert WORD in surfaces[name], name
    return surfaces


def numbers_in(text: str) -> list[str]:
    """The number in any form: as a reader sees it, and as digits side by side.

    ``find_personnummer`` reads each line that has digits enough for a number (a page
    read as one Markdown text takes long); the digit checks read the whole text.
    """
    # Compatibility forms (superscript digits) as the plain digits a reader takes them for.
    plain = unicodedata.normalize("NFKC", html.unescape(html.unescape(text)))
    lines = set(text.splitlines()) | set(plain.splitlines())
    found = [
        n for line in lines if len(ANY_DIGIT.findall(line)) >= 10 for n in find_personnummer(line)
    ]
    found += DIGITS_TOGETHER.findall(text) + DIGITS_TOGETHER.findall(plain)
    digits = re.sub(r"\D", "", plain)
    found += [run for run in ("8112189876", "8112189877") if run in digits]
    return found


def leaks(client, meeting) -> dict[str, list[str]]:
    surfaces = public_surfaces(client, meeting)
    return {name: found for name, text in surfaces.items() if (found := numbers_in(text))}


# --- Tests ------------------------------------------------------------------------------


def test_the_surfaces_of_a_clean_protocol_show_no_number(world, commit, staff_user, visitor):
    protocol = build_protocol(world)
    publish(commit, protocol, staff_user)

    assert leaks(visitor, protocol.meeting) == {}


@pytest.mark.parametrize("number", VARIANTS)
def test_the_surfaces_show_a_number_that_is_really_public(
    world, commit, staff_user, visitor, mailoutbox, number
):
    """The control: behind the guard's back (a plain save, no guard), the number is on
    the protocol, and the helper finds it wherever the protocol's text is shown."""
    protocol = build_protocol(world)
    publish(commit, protocol, staff_user)

    def write():
        protocol.meeting.theme = with_number(THEME, number)
        protocol.meeting.save()
        protocol.item.title = with_number(TITLE, number)
        protocol.item.body = with_number(BODY, number)
        protocol.item.save()

    commit(write)

    surfaces = public_surfaces(visitor, protocol.meeting)
    not_found = {name for name, text in surfaces.items() if not numbers_in(text)}
    assert {name for name in not_found if not name.startswith("search results")} == set()


def cases(paths) -> list:
    """(path, number) for each path: with every variant, or the few for a slow path."""
    return [
        pytest.param(path, *variant.values, id=f"{path}-{variant.id}")
        for path in paths
        for variant in (VARIANTS if path.every_variant else FEW_VARIANTS)
    ]


@pytest.mark.parametrize(("path", "number"), cases(PUBLISHED_PATHS))
def test_a_published_protocol_refuses_the_number(
    path, number, world, commit, staff_user, staff_client, visitor, mailoutbox
):
    protocol = build_protocol(world)
    if path.prepare:
        path.prepare(protocol, number)
    publish(commit, protocol, staff_user)
    before = stored(protocol.meeting)

    answer = commit(lambda: path.apply(staff_client, protocol, number))

    assert stored(protocol.meeting) == before, "something was saved"
    if path.answer is None:
        assert isinstance(answer, policy.ProtocolChangeRefused)
        told = " ".join(answer.messages)
    elif path.answer == 302:
        assert answer.status_code == 302
        told = staff_client.get(answer.url).content.decode()
    else:
        assert answer.status_code == 200, answer
        assert answer.context["adminform"].form.non_field_errors()
        told = answer.content.decode()
    assert "innehåller något som ser ut som ett personnummer" in told
    assert path.where in told
    assert leaks(visitor, protocol.meeting) == {}


@pytest.mark.parametrize(("path", "number"), cases(DRAFT_PATHS))
def test_a_draft_keeps_the_number_with_a_warning_and_is_not_published(
    path, number, world, commit, staff_user, staff_client, visitor, mailoutbox
):
    protocol = build_protocol(world)
    assert not protocol.meeting.is_published

    meeting, warnings = commit(lambda: path.write(staff_client, protocol, number))

    assert holds_a_number(meeting), "the draft keeps what staff wrote"
    assert any("personnummer" in w and path.where in w for w in warnings), warnings
    assert "Protokollet kan inte publiceras så här." in " ".join(warnings)

    told = commit(lambda: path.publish(staff_client, meeting))

    meeting.refresh_from_db()
    assert not meeting.is_published
    assert "innehåller något som ser ut som ett personnummer" in told
    assert path.where in told
    assert leaks(visitor, meeting) == {}
