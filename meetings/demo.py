"""Demo data: the network's real organisations, series and working groups, invented people.

The organisations, meeting series and working groups are the real ones from the
seed protocols (shared/seeds). The people are invented: the seeds name private
persons, and the demo must never republish them. Protocol text is written in the
style of the seeds.

Idempotency. Every row is looked up by a natural key (a slug, a person's name,
(series, date), (meeting, order), (meeting, text) ...) and saved only when one of
the demo's values differs, so a second run creates nothing, changes nothing and
adds no history rows.

Meeting dates are relative to the day of the *first* run (some past, some
future). To find the same (series, date) keys on a later day, every date is
computed from a base Monday that is read back from the database: the first demo
meeting of Gemensam utvecklingsgrupp has the fixed theme ``ANCHOR_THEME`` and lies
eight weeks before the base Monday. If it is missing (first run), the base Monday
is the last Monday before today. On a first run the demo refuses to touch a series
that already has meetings on the demo's dates, so it never overwrites real minutes.

Workflow state is only set when a meeting is created (protocol state and
publishing, through ``protocol_publish`` like real protocols), and the follow-up
links that ``meeting_create_next`` writes are not managed here, so a re-run never
undoes them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format

from organisations.models import Organisation
from people.models import Affiliation, Follow, Person, PublicationLevel
from projects.models import Membership, WorkingGroup

from . import policy
from .models import (
    ActionItem,
    AgendaItem,
    Attendance,
    Decision,
    Meeting,
    MeetingSeries,
)
from .services import (
    meeting_create_next,
    protocol_name_confirm,
    protocol_publish,
)

STAFF_USERNAME = "personal"
STAFF_EMAIL = "personal@example.org"
DEMO_PASSWORD = "delaktig-demo"  # noqa: S105 (only ever set when DEBUG is on)
ANCHOR_THEME = "Stadens utegym"
CHANGE_REASON = "load_demo"

UTVECKLINGSGRUPP = "gemensam-utvecklingsgrupp"
LEDNINGSGRUPP = "ledningsgrupp-for-utveckling"
INNOVATIONSGRUPP = "innovationsgruppen-pa-cafe-ria"


PRESENT = Attendance.Status.PRESENT
ABSENT = Attendance.Status.ABSENT
EXCUSED = Attendance.Status.EXCUSED
EXPECTED = Attendance.Status.EXPECTED

INFORMATION = AgendaItem.Kind.INFORMATION
DISCUSSION = AgendaItem.Kind.DISCUSSION
DECISION = AgendaItem.Kind.DECISION
TABLED = AgendaItem.Kind.TABLED


class DemoConflict(Exception):
    """The database already holds a meeting where the demo would put its own."""

    def __init__(self, series: MeetingSeries, date: datetime.date) -> None:
        super().__init__(f"{series} already has a meeting on {date.isoformat()}")
        self.series = series
        self.date = date


@dataclass(frozen=True)
class DemoResult:
    organisations: int
    people: int
    working_groups: int
    series: int
    meetings: int
    published: int
    created: int
    updated: int
    username: str
    password: str | None


@dataclass
class Counter:
    created: int = 0
    updated: int = 0


def sv_date(date: datetime.date) -> str:
    """“13 februari”, the way the protocols write dates, whatever the active language."""
    with translation.override("sv"):
        return date_format(date, "j F")


# ---------------------------------------------------------------------------
# Saving without needless writes


def upsert(
    counter: Counter,
    model: type[models.Model],
    lookup: dict[str, Any],
    values: dict[str, Any] | None = None,
    *,
    create_only: dict[str, Any] | None = None,
) -> tuple[Any, bool]:
    """update_or_create that saves only when a value differs (no empty history rows)."""
    values = values or {}
    obj = model.objects.filter(**lookup).first()
    created = obj is None
    if created:
        obj = model(**{**lookup, **values, **(create_only or {})})
    else:
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if not changed:
            return obj, False
        for name in changed:
            setattr(obj, name, values[name])
    # Field validation and the model's clean(), as in the admin. Unique and check
    # constraints are left to the database, which enforces them anyway.
    obj.full_clean(validate_unique=False, validate_constraints=False)
    obj._change_reason = CHANGE_REASON
    obj.save()
    if created:
        counter.created += 1
    else:
        counter.updated += 1
    return obj, created


def set_links(counter: Counter, manager, objects) -> None:
    """Many-to-many ``set`` that sends no signal (and writes no history) when nothing changes."""
    wanted = {obj.pk for obj in objects}
    current = set(manager.values_list("pk", flat=True))
    if current != wanted:
        manager.set(objects)
        counter.created += len(wanted - current)  # link rows added
        counter.updated += len(current - wanted)  # link rows removed


# ---------------------------------------------------------------------------
# The real organisations, series and working groups of the seeds

ORGANISATIONS: list[dict[str, Any]] = [
    {
        "slug": "socialforvaltningen",
        "name": "Socialförvaltningen",
        "short_name": "SOF",
        "aliases": "Socialtjänsten",
        "kind": Organisation.Kind.MUNICIPAL_DEPARTMENT,
        "description": "Stadens socialförvaltning. Dess utvecklare samordnar nätverket för "
        "brukardelaktighet.",
    },
    {
        "slug": "arbetsmarknadsforvaltningen",
        "name": "Arbetsmarknadsförvaltningen",
        "short_name": "AMF",
        "kind": Organisation.Kind.MUNICIPAL_DEPARTMENT,
        "description": "Gick in i Ledningsgrupp för utveckling med tre representanter.",
    },
    {
        "slug": "stadsbyggnadsforvaltningen",
        "name": "Stadsbyggnadsförvaltningen",
        "kind": Organisation.Kind.MUNICIPAL_DEPARTMENT,
        "description": "Arbetar bland annat med stadens servicepolicy och med utegym.",
    },
    {
        "slug": "fontanhuset-bryggan",
        "name": "Fontänhuset Bryggan",
        "aliases": "Bryggan\nFontänhuset",
        "kind": Organisation.Kind.ASSOCIATION,
        "description": "Klubbhus där Gemensam utvecklingsgrupp har sina möten.",
    },
    {
        "slug": "ria-hela-manniskan",
        "name": "Ria / Hela människan",
        "aliases": "Café Ria\nRia\nHela människan\nRia/Hela människan",
        "kind": Organisation.Kind.ASSOCIATION,
        "description": "Café Ria drivs av Hela människan. Här träffas Innovationsgruppen "
        "en gång i månaden.",
    },
    {
        "slug": "g7",
        "name": "G7",
        "kind": Organisation.Kind.ASSOCIATION,
        "parent": "ria-hela-manniskan",
        "description": "Brukarförening knuten till Ria / Hela människan.",
    },
    {
        "slug": "vorta-drom",
        "name": "Vorta Drom",
        "kind": Organisation.Kind.ASSOCIATION,
        "description": "Romsk förening, bland annat med organiserad träning.",
    },
    {
        "slug": "rsmh",
        "name": "RSMH",
        "aliases": "Riksförbundet för social och mental hälsa",
        "kind": Organisation.Kind.ASSOCIATION,
    },
    {
        "slug": "ifs-schizofreniforeningen",
        "name": "IFS Schizofreniföreningen",
        "aliases": "IFS\nSchizofreniföreningen",
        "kind": Organisation.Kind.ASSOCIATION,
    },
    {
        "slug": "roda-korset",
        "name": "Röda korset",
        "kind": Organisation.Kind.ASSOCIATION,
    },
    {
        "slug": "maskrosbarn",
        "name": "Maskrosbarn",
        "kind": Organisation.Kind.NATIONAL_ORGANISATION,
        "description": "Nationell organisation där personer som själva haft kontakt med "
        "socialtjänsten som barn arbetar för barns rättigheter.",
    },
    {
        "slug": "pingstkyrkan",
        "name": "Pingstkyrkan",
        "kind": Organisation.Kind.OTHER,
    },
    {
        "slug": "karlstads-universitet",
        "name": "Karlstads universitet",
        "kind": Organisation.Kind.PUBLIC_AUTHORITY,
    },
    {
        "slug": "centrum-for-tjansteforskning",
        "name": "Centrum för tjänsteforskning",
        "short_name": "CTF",
        "kind": Organisation.Kind.PUBLIC_AUTHORITY,
        "parent": "karlstads-universitet",
        "description": "Forskning om tjänstelogik och tjänsteinnovation, som blev ledande "
        "för socialförvaltningens utvecklingsarbete.",
    },
]

SERIES: list[dict[str, Any]] = [
    {
        "slug": UTVECKLINGSGRUPP,
        "name": "Gemensam utvecklingsgrupp",
        "aliases": "Gemensamma utvecklingsgruppen\nUtvecklingsgruppen",
        "description": "Öppet möte en gång i månaden. Första passet har ett tema, ibland med "
        "inbjudna gäster. Andra passet är korta rapporter från projekten och arbetsgrupperna.",
        "default_place": "Bryggan",
        "weekday": MeetingSeries.Weekday.MONDAY,
        "start_time": datetime.time(13, 30),
        "duration": datetime.timedelta(hours=2),
        "interval_weeks": 4,
        "open_to_all": True,
    },
    {
        "slug": LEDNINGSGRUPP,
        "name": "Ledningsgrupp för utveckling",
        "aliases": "Gemensam ledningsgrupp",
        "description": "Utsedda representanter från förvaltningarna och de brukarutvecklare "
        "som är mest aktiva i projekten. Gruppens möten är i övrigt öppna, för den som vill "
        "delta under en eller flera punkter.",
        "default_place": "Socialförvaltningen",
        "weekday": MeetingSeries.Weekday.THURSDAY,
        "start_time": datetime.time(13, 0),
        "duration": datetime.timedelta(hours=2),
        "interval_weeks": 2,
        "open_to_all": True,
        "standing_members": [
            "Torbjörn Ekström",
            "Mirela Stojanović",
            "Kristoffer Ahl",
            "Sanna Holmgren",
            "Maja Lindqvist",
            "Oskar Dahlberg",
            "Henrik Sjöberg",
        ],
    },
    {
        "slug": INNOVATIONSGRUPP,
        "name": "Innovationsgruppen på Café Ria",
        "aliases": "Innovationsgruppen",
        "description": "Personer med egen erfarenhet av socialtjänsten träffas en gång i "
        "månaden och kommer med idéer. De flesta projekten har börjat här.",
        "default_place": "Café Ria",
        "interval_weeks": 4,
        "open_to_all": True,
    },
]

# The people are invented. Affiliation dates are days relative to the base Monday.
PEOPLE: list[dict[str, Any]] = [
    {
        "name": "Maja Lindqvist",
        "email": "maja.lindqvist@example.org",
        "affiliations": [("socialforvaltningen", "utvecklare", None, None)],
    },
    {
        "name": "Henrik Sjöberg",
        "email": "henrik.sjoberg@example.org",
        "affiliations": [("socialforvaltningen", "sekreterare", None, None)],
    },
    {
        "name": "Torbjörn Ekström",
        "aliases": "Totte\nTotte Ekström",
        "publication_level": PublicationLevel.FULL_NAME,
        "affiliations": [
            ("ria-hela-manniskan", "brukarutvecklare", None, None),
            ("g7", "", None, None),
        ],
    },
    {
        # Changes organisation between two demo meetings: brukarmentor, then employed.
        "name": "Sanna Holmgren",
        "publication_level": PublicationLevel.INITIALS,
        "affiliations": [
            (None, "brukarmentor", -400, -43),
            ("socialforvaltningen", "brukarutvecklare", -42, None),
        ],
    },
    {
        "name": "Mirela Stojanović",
        "aliases": "Mirela Stojanovic",
        "affiliations": [("vorta-drom", "projektledare", None, None)],
    },
    {
        "name": "Kristoffer Ahl",
        "affiliations": [("fontanhuset-bryggan", "medlem", None, None)],
    },
    {
        "name": "Elin Forsberg",
        "publication_level": PublicationLevel.INITIALS,
        "affiliations": [("fontanhuset-bryggan", "handledare", None, None)],
    },
    {
        "name": "Oskar Dahlberg",
        "email": "oskar.dahlberg@example.org",
        "affiliations": [("arbetsmarknadsforvaltningen", "utvecklare", None, None)],
    },
    {
        # An official who asked to appear by role only.
        "name": "Leila Haddad",
        "publication_level": PublicationLevel.ROLE_AND_ORGANISATION,
        "affiliations": [("socialforvaltningen", "HR-chef", None, None)],
    },
    {
        "name": "Rasmus Vik",
        "affiliations": [("stadsbyggnadsforvaltningen", "utvecklingsstrateg", None, None)],
    },
    {
        "name": "Agneta Blom",
        "affiliations": [("ifs-schizofreniforeningen", "brukarutvecklare", None, None)],
    },
    {
        "name": "Göran Lund",
        "affiliations": [("rsmh", "ordförande", None, None)],
    },
    {
        "name": "Fatima Nour",
        "publication_level": PublicationLevel.FULL_NAME,
        "affiliations": [("maskrosbarn", "projektledare", None, None)],
    },
    {
        "name": "Tove Berglund",
        "affiliations": [("roda-korset", "volontär", None, None)],
    },
    {
        "name": "Jonas Wikström",
        "affiliations": [(None, "brukarutvecklare Digitalt utanförskap", None, None)],
    },
    {
        "name": "Camilla Öberg",
        "affiliations": [("socialforvaltningen", "socialsekreterare", None, None)],
    },
]

LEAD = Membership.Role.LEAD
CONTACT = Membership.Role.CONTACT
MEMBER = Membership.Role.MEMBER

WORKING_GROUPS: list[dict[str, Any]] = [
    {
        "slug": "fritidsbank",
        "name": "Fritidsbank",
        "aliases": "Fritidsbanken",
        "status": WorkingGroup.Status.FORMING,
        "description": "En fritidsbank lånar ut sport- och fritidsutrustning gratis.\n\n"
        "- Vi startar i liten skala med en central utlämningslokal.\n"
        "- Skolor, fritidsgårdar och idrottsföreningar kan bli utlämningsombud.\n"
        "- Målet är att en eller flera frivilligorganisationer driver verksamheten genom "
        "ett **IOP-avtal**.\n\n"
        "Läs mer: <https://www.fritidsbanken.se/>",
        "organisations": [
            "arbetsmarknadsforvaltningen",
            "socialforvaltningen",
            "vorta-drom",
            "ria-hela-manniskan",
        ],
        "members": [
            ("Oskar Dahlberg", LEAD),
            ("Mirela Stojanović", MEMBER),
            ("Tove Berglund", MEMBER),
        ],
    },
    {
        "slug": "klarsprak",
        "name": "Klarspråk",
        "status": WorkingGroup.Status.ACTIVE,
        "description": "Gruppen går igenom brev, blanketter och webbsidor tillsammans med "
        "brukare, så att de går att förstå första gången man läser dem.",
        "organisations": ["socialforvaltningen", "arbetsmarknadsforvaltningen"],
        "members": [("Henrik Sjöberg", LEAD), ("Elin Forsberg", MEMBER), ("Agneta Blom", MEMBER)],
    },
    {
        "slug": "personlig-representant",
        "name": "Personlig representant",
        "status": WorkingGroup.Status.ACTIVE,
        "formed_at": "lg1",
        "description": "Personer med egen erfarenhet som kan följa med som stöd vid ett "
        "första besök hos socialtjänsten.\n\n"
        "1. Kartlägga hur arbetet kan läggas upp.\n"
        "2. Bygga upp en bank av representanter.\n"
        "3. Ordna introduktion för dem som vill vara med.",
        "organisations": ["g7", "fontanhuset-bryggan", "socialforvaltningen"],
        "members": [
            ("Torbjörn Ekström", LEAD),
            ("Maja Lindqvist", CONTACT),
            ("Kristoffer Ahl", MEMBER),
        ],
    },
    {
        "slug": "samskapade-tjanster",
        "name": "Samskapade tjänster",
        "aliases": "Samskapade utredningar\nSamskapade utredningar/tjänster",
        "status": WorkingGroup.Status.ACTIVE,
        "description": "Syftet är att öka samskapandet i de sociala tjänsterna, så att "
        "brukaren är aktiv i sin utredning och insats. Arbetet har två delar: vuxna, och "
        "barn och unga.",
        "organisations": ["socialforvaltningen"],
        "members": [("Maja Lindqvist", LEAD), ("Sanna Holmgren", MEMBER)],
    },
    {
        "slug": "samskapade-tjanster-vuxna",
        "name": "Samskapade tjänster – vuxna",
        "parent": "samskapade-tjanster",
        "status": WorkingGroup.Status.ACTIVE,
        "description": "Rollspel om hur en utredning kan se ut när brukaren är med och formar den.",
        "organisations": ["socialforvaltningen", "rsmh", "ifs-schizofreniforeningen"],
        "members": [("Sanna Holmgren", CONTACT), ("Göran Lund", MEMBER), ("Agneta Blom", MEMBER)],
    },
    {
        "slug": "samskapade-tjanster-barn-och-unga",
        "name": "Samskapade tjänster – barn och unga",
        "parent": "samskapade-tjanster",
        "status": WorkingGroup.Status.ACTIVE,
        "description": "I samarbete med Maskrosbarn. Unga är med i delar av processen.",
        "organisations": ["socialforvaltningen", "maskrosbarn"],
        "members": [("Camilla Öberg", LEAD), ("Fatima Nour", CONTACT)],
    },
    {
        "slug": "digitalt-utanforskap",
        "name": "Digitalt utanförskap",
        "status": WorkingGroup.Status.ACTIVE,
        "description": "Arvoderade instruktörer med egen brukarerfarenhet håller i "
        "utbildningar. **Brukare hjälper brukare**, gärna på boenden.",
        "organisations": ["ria-hela-manniskan", "g7", "vorta-drom", "arbetsmarknadsforvaltningen"],
        "members": [
            ("Jonas Wikström", LEAD),
            ("Oskar Dahlberg", CONTACT),
            ("Torbjörn Ekström", MEMBER),
        ],
    },
    {
        "slug": "battre-halsa-for-unga-romer",
        "name": "Bättre hälsa för unga romer",
        "aliases": "Po Drom\nPo drom",
        "status": WorkingGroup.Status.ACTIVE,
        "description": "Hälsa och organiserad träning för unga romer.",
        "organisations": ["vorta-drom", "arbetsmarknadsforvaltningen"],
        "members": [("Mirela Stojanović", LEAD), ("Oskar Dahlberg", CONTACT)],
    },
    {
        "slug": "rekryteringsgrupp",
        "name": "Rekryteringsgrupp",
        "aliases": "Brukarmedverkan i rekrytering\nRekrytering",
        "status": WorkingGroup.Status.FORMING,
        "description": "Personer med brukarerfarenhet som är med när förvaltningen "
        "rekryterar nya medarbetare och chefer.",
        "organisations": ["socialforvaltningen", "arbetsmarknadsforvaltningen"],
        "members": [
            ("Leila Haddad", LEAD),
            ("Sanna Holmgren", CONTACT),
            ("Kristoffer Ahl", MEMBER),
        ],
    },
    {
        "slug": "mentorsprojektet",
        "name": "Mentorsprojektet",
        "status": WorkingGroup.Status.PAUSED,
        "description": "Brukarmentorer som stöttar personer i kontakt med socialtjänsten. "
        "Vilar tills vidare.",
        "organisations": ["socialforvaltningen", "fontanhuset-bryggan"],
        "members": [("Sanna Holmgren", LEAD), ("Göran Lund", MEMBER)],
    },
    {
        "slug": "forenklad-dokumentation",
        "name": "Förenklad dokumentation",
        "status": WorkingGroup.Status.FORMING,
        "description": "Enklare och tydligare dokumentation i utredningar.",
        "organisations": ["socialforvaltningen"],
        "members": [("Camilla Öberg", LEAD)],
    },
    {
        "slug": "lokalprogram",
        "name": "Lokalprogram",
        "status": WorkingGroup.Status.ACTIVE,
        "description": "Vilka behov av lokaler finns, och vilka gemensamma beröringspunkter? "
        "Ett gemensamt spår för Fritidsbanken, Vorta Drom och Ria och ett spår för varje "
        "organisation.",
        "organisations": [
            "fontanhuset-bryggan",
            "vorta-drom",
            "ria-hela-manniskan",
            "socialforvaltningen",
        ],
        "members": [("Maja Lindqvist", CONTACT), ("Kristoffer Ahl", MEMBER)],
    },
    {
        "slug": "curiocity-mashup",
        "name": "CurioCity Mashup",
        "status": WorkingGroup.Status.FINISHED,
        "description": "Planering av nätverkets halvdag på stadens konferens om innovation "
        "i offentlig verksamhet. Läs mer: <http://www.curiocity.se/>",
        "organisations": ["socialforvaltningen", "ria-hela-manniskan", "fontanhuset-bryggan"],
        "members": [("Henrik Sjöberg", CONTACT), ("Torbjörn Ekström", MEMBER)],
    },
    {
        "slug": "filmkurs",
        "name": "Filmkurs",
        "status": WorkingGroup.Status.IDEA,
        "description": "En kurs i enklare filmning och redigering, så att vi kan visa vad "
        "som händer i projekten.",
        "organisations": ["g7", "fontanhuset-bryggan"],
        "members": [("Jonas Wikström", CONTACT)],
    },
]


# ---------------------------------------------------------------------------
# The meetings, written in the style of the seeds


@dataclass
class Line:
    """One line of an attendance list."""

    person: str | None
    affiliation: str
    organisations: list[str] = field(default_factory=list)
    written: str = ""
    status: str = PRESENT
    standing: bool = False
    chair: bool = False
    note_taker: bool = False
    approver: bool = False
    guest: bool = False


@dataclass
class Item:
    title: str
    body: str = ""
    kind: str = DISCUSSION
    level: int = 1
    groups: list[str] = field(default_factory=list)
    picked_up_by: tuple[str, int] | None = None  # (meeting key, item order)


@dataclass
class Action:
    text: str
    item: int
    written: str
    people: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    due_next_meeting: bool = False
    status: str = ActionItem.Status.OPEN
    followed_up_at: str | None = None  # meeting key; open items are left to meeting_create_next


@dataclass
class MeetingSpec:
    key: str
    series: str
    date: datetime.date
    state: str
    status: str = Meeting.Status.HELD
    theme: str = ""
    place: str = ""
    approved_by: str | None = None
    approved_on: datetime.date | None = None
    signature: str = ""
    lines: list[Line] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    decisions: list[tuple[int, str]] = field(default_factory=list)  # (item order, text)
    actions: list[Action] = field(default_factory=list)


def meeting_specs(base: datetime.date) -> list[MeetingSpec]:
    """Every demo meeting, dated from the base Monday (the latest Monday before the first run)."""

    def day(offset: int) -> datetime.date:
        return base + datetime.timedelta(days=offset)

    gu1, gu2, gu3, gu4 = day(-56), day(-28), day(0), day(28)
    lg1, lg2, lg3, lg4 = day(-46), day(-32), day(-18), day(-4)
    published = Meeting.ProtocolState.PUBLISHED
    approved = Meeting.ProtocolState.APPROVED
    draft = Meeting.ProtocolState.DRAFT

    sof = ["socialforvaltningen"]
    amf = ["arbetsmarknadsforvaltningen"]
    bryggan = ["fontanhuset-bryggan"]
    ria_g7 = ["ria-hela-manniskan", "g7"]

    return [
        MeetingSpec(
            key="gu1",
            series=UTVECKLINGSGRUPP,
            date=gu1,
            state=published,
            theme=ANCHOR_THEME,
            place="Bryggan",
            approved_by="Kristoffer Ahl",
            approved_on=day(-53),
            lines=[
                Line(
                    "Rasmus Vik",
                    "stadsbyggnadsförvaltningen",
                    ["stadsbyggnadsforvaltningen"],
                    guest=True,
                ),
                Line("Torbjörn Ekström", "Ria/G7", ria_g7, written="Totte Ekström"),
                Line("Maja Lindqvist", "socialförvaltningen", sof, chair=True),
                Line("Kristoffer Ahl", "Bryggan", bryggan, approver=True),
                Line("Elin Forsberg", "Bryggan", bryggan),
                Line(
                    "Mirela Stojanović", "Vorta Drom", ["vorta-drom"], written="Mirela Stojanovic"
                ),
                Line("Sanna Holmgren", "brukarmentor"),
                Line("Agneta Blom", "IFS Schizofreniföreningen", ["ifs-schizofreniforeningen"]),
                Line("Jonas Wikström", "brukarutvecklare Digitalt utanförskap"),
                Line("Henrik Sjöberg", "socialförvaltningen", sof, note_taker=True),
            ],
            items=[
                Item(
                    "Besök från stadsbyggnadsförvaltningen",
                    "Rasmus Vik jobbar med utvecklingsfrågor på stadsbyggnadsförvaltningen, "
                    "bland annat kring stadens nya servicepolicy. Han är nyfiken på hur vi "
                    "jobbar i våra brukargrupper.",
                    kind=INFORMATION,
                ),
                Item(
                    "Utegym",
                    "Staden bygger fler utegym, för den som vill komma igång och träna utan "
                    "att betala dyra gymavgifter. Kan vi jobba mer med hälsa och organiserad "
                    "träning, som Vorta Drom?\n\n"
                    "- Det är svårt att veta hur man gör rätt i övningarna.\n"
                    "  - Kan man göra instruktionsvideor och/eller bilder?\n"
                    "  - Eller anställa instruktörer?\n"
                    "- Stadsbyggnadsförvaltningen vill gärna få in synpunkter från brukare.\n\n"
                    "Rasmus lovar att kolla upp detta.",
                    groups=["battre-halsa-for-unga-romer"],
                ),
                Item(
                    "Gemensam utvecklingsgrupp framöver",
                    "Vi beslutar att Gemensam utvecklingsgrupp fortsätter att träffas en gång "
                    "i månaden, två timmar med paus:\n\n"
                    "1. Första passet har ett tema, gärna med inbjudna gäster.\n"
                    "2. Andra passet blir korta rapporter från projekten och arbetsgrupperna.\n\n"
                    "I övrigt blir det samma tid, **måndagar 13:30**, och plats, **Bryggan**.\n\n"
                    f"Kommande möten: {sv_date(gu2)}, {sv_date(gu3)}, {sv_date(gu4)}.",
                    kind=DECISION,
                ),
                Item(
                    "Rapport från arbetsgrupperna",
                    "**Digitalt utanförskap** söker fler brukare som vill bli instruktörer. "
                    "Utbildningar på boendet Kronan är på gång.\n\n"
                    "**Klarspråk** har gått igenom försörjningsstödets blanketter. Nästa steg "
                    "är breven om beslut.",
                    kind=INFORMATION,
                    groups=["digitalt-utanforskap", "klarsprak"],
                ),
                Item("Övrigt", kind=INFORMATION),
                Item(
                    "Fiskeklubb",
                    "G7 har dragit igång en fiskeklubb.\n\n"
                    "- Kan G7 meddela Bryggan när nya utflykter är på gång? Det finns ett "
                    "stort fiskeintresse även på Bryggan och dessutom tillgång till utrustning.",
                    level=2,
                ),
            ],
            decisions=[
                (
                    3,
                    "Gemensam utvecklingsgrupp träffas en gång i månaden, måndagar 13:30 på "
                    "Bryggan, i två pass: ett tema och rapporter från arbetsgrupperna.",
                )
            ],
            actions=[
                Action(
                    "Kolla upp om staden kan göra instruktionsvideor eller skyltar för utegymmen.",
                    item=2,
                    written="Rasmus",
                    people=["Rasmus Vik"],
                    due_next_meeting=True,
                    status=ActionItem.Status.DONE,
                    followed_up_at="gu2",
                ),
                Action(
                    "Meddela Bryggan när fiskeklubben planerar nya utflykter.",
                    item=6,
                    written="G7",
                    organisations=["g7"],
                    status=ActionItem.Status.DONE,
                    followed_up_at="gu2",
                ),
            ],
        ),
        MeetingSpec(
            key="gu2",
            series=UTVECKLINGSGRUPP,
            date=gu2,
            state=published,
            theme="Hur väcker vi idéer?",
            place="Bryggan",
            approved_by="Elin Forsberg",
            approved_on=day(-26),
            lines=[
                Line("Torbjörn Ekström", "Ria/G7", ria_g7, chair=True),
                Line("Maja Lindqvist", "socialförvaltningen", sof),
                Line("Kristoffer Ahl", "Bryggan", bryggan),
                Line("Elin Forsberg", "Fontänhuset", bryggan, approver=True),
                Line("Sanna Holmgren", "socialförvaltningen", sof),
                Line("Camilla Öberg", "socialförvaltningen", sof),
                Line("Göran Lund", "RSMH", ["rsmh"]),
                Line("Tove Berglund", "Röda korset", ["roda-korset"]),
                Line(None, "", written="Elsa"),
                Line("Henrik Sjöberg", "socialförvaltningen", sof, note_taker=True),
            ],
            items=[
                Item(
                    "Uppföljning från förra mötet",
                    "Stadsbyggnadsförvaltningen sätter upp skyltar med bilder och en länk till "
                    "instruktionsfilmer vid de nya utegymmen. G7 skickar ut information om "
                    "fiskeklubbens utflykter till Bryggan.",
                    kind=INFORMATION,
                ),
                Item(
                    "Hur väcker vi idéer?",
                    "De flesta av våra projekt kommer från Innovationsgruppen på Café Ria. "
                    "Gruppen bygger på ett brett kontaktnät bland personer med egen erfarenhet "
                    "av socialtjänsten, som samlas på Ria en gång i månaden.\n\n"
                    "- Det går också att jobba peppande och förberedande via sociala medier.\n"
                    "- Kan Bryggan samla en grupp medlemmar som tar med idéer från klubbhuset?\n"
                    "  - Totte och Kristoffer pratar ihop sig.",
                ),
                Item(
                    "Samskapade tjänster",
                    "Brukare ska bli mer involverade i sin utredningsprocess.\n\n"
                    "- Det kommer inte att fungera för alla, men det går att ha två modeller "
                    "parallellt, beroende på brukarens förmåga, mående och önskemål.\n"
                    "- Vad har orsakat den ömsesidiga misstro som har präglat socialtjänstens "
                    "arbete?\n"
                    "  - Okunskap, rädsla, brist på kontakt och krav på att följa rutiner.\n\n"
                    "Arbetsgruppen för vuxna jobbar med rollspel. Delen om barn och unga tas upp "
                    "som tema nästa gång, tillsammans med Maskrosbarn.",
                    groups=[
                        "samskapade-tjanster",
                        "samskapade-tjanster-vuxna",
                        "samskapade-tjanster-barn-och-unga",
                    ],
                ),
                Item(
                    "Rekryteringsgrupp",
                    "Socialförvaltningen vill skapa en grupp av personer med brukarerfarenhet "
                    "som kan vara med vid rekrytering av nya medarbetare. Den som är intresserad "
                    "kan kontakta Sanna.",
                    kind=INFORMATION,
                    groups=["rekryteringsgrupp"],
                ),
            ],
            decisions=[
                (3, "Temat för nästa utvecklingsgrupp blir Samskapade tjänster för barn och unga."),
            ],
        ),
        MeetingSpec(
            key="gu3",
            series=UTVECKLINGSGRUPP,
            date=gu3,
            state=approved,
            theme="Samskapade tjänster för barn och unga",
            place="Bryggan",
            approved_by="Agneta Blom",
            approved_on=day(1),
            lines=[
                Line("Fatima Nour", "Maskrosbarn", ["maskrosbarn"], guest=True),
                Line("Camilla Öberg", "socialförvaltningen", sof),
                Line("Maja Lindqvist", "socialförvaltningen", sof, chair=True),
                Line("Torbjörn Ekström", "Ria/G7", ria_g7),
                Line("Agneta Blom", "IFS", ["ifs-schizofreniforeningen"], approver=True),
                Line("Kristoffer Ahl", "Bryggan", bryggan),
                Line("Jonas Wikström", "brukarutvecklare Digitalt utanförskap"),
                Line("Henrik Sjöberg", "socialförvaltningen", sof, note_taker=True),
            ],
            items=[
                Item(
                    "Besök från Maskrosbarn",
                    "Maskrosbarn är en nationell organisation där personer som själva haft "
                    "kontakt med socialtjänsten som barn arbetar för att göra det bättre ur "
                    "ett brukarperspektiv. Läs mer: <https://maskrosbarn.org/>",
                    kind=INFORMATION,
                ),
                Item(
                    "Samskapade tjänster – barn och unga",
                    "Unga kommer att involveras i delar av processen. Vi planerar en gemensam "
                    "dag med Maskrosbarn, ungdomar och socialsekreterare:\n\n"
                    "1. Ungdomarna berättar om sina möten med socialtjänsten.\n"
                    "2. Socialsekreterarna berättar hur en utredning går till.\n"
                    "3. Tillsammans ritar vi upp hur det skulle kunna se ut i stället.\n\n"
                    "Vi beslutar att genomföra dagen under **nästa månad**. Camilla tar fram "
                    "ett datum.",
                    kind=DECISION,
                    groups=["samskapade-tjanster-barn-och-unga"],
                ),
                Item(
                    "Film",
                    "Vi borde filma mer av det som händer i projekten. Punkten bordläggs till "
                    "nästa möte eftersom tiden tog slut.",
                    kind=TABLED,
                    groups=["filmkurs"],
                    picked_up_by=("gu4", 3),
                ),
            ],
            decisions=[
                (2, "Vi genomför en gemensam dag med Maskrosbarn, ungdomar och socialsekreterare."),
            ],
            actions=[
                Action(
                    "Ta fram ett datum för den gemensamma dagen med Maskrosbarn.",
                    item=2,
                    written="Camilla",
                    people=["Camilla Öberg"],
                    due_next_meeting=True,
                ),
            ],
        ),
        MeetingSpec(
            key="gu4",
            series=UTVECKLINGSGRUPP,
            date=gu4,
            state=draft,
            status=Meeting.Status.PLANNED,
            theme="Digitalt utanförskap",
            place="Bryggan",
            lines=[
                Line("Jonas Wikström", "brukarutvecklare Digitalt utanförskap", status=EXPECTED),
                Line("Maja Lindqvist", "socialförvaltningen", sof, status=EXPECTED, chair=True),
                Line(
                    "Henrik Sjöberg", "socialförvaltningen", sof, status=EXPECTED, note_taker=True
                ),
            ],
            items=[
                Item(
                    "Tema: Digitalt utanförskap",
                    "Jonas berättar om utbildningarna på boendena och om servicestationen på "
                    "Café Ria.",
                    kind=INFORMATION,
                    groups=["digitalt-utanforskap"],
                ),
                Item("Rapport från arbetsgrupperna", kind=INFORMATION),
                Item(
                    "Film",
                    f"Bordlagd {sv_date(gu3)}. Kan vi starta en kurs för enklare filmning och "
                    "redigering?",
                    groups=["filmkurs"],
                ),
            ],
        ),
        MeetingSpec(
            key="lg1",
            series=LEDNINGSGRUPP,
            date=lg1,
            state=published,
            approved_by="Torbjörn Ekström",
            approved_on=day(-44),
            signature="Vid pennan Henrik Sjöberg",
            lines=[
                Line("Torbjörn Ekström", "Ria/G7", ria_g7, standing=True, approver=True),
                Line(
                    "Mirela Stojanović", "Vorta Drom", ["vorta-drom"], standing=True, status=ABSENT
                ),
                Line("Kristoffer Ahl", "Bryggan", bryggan, standing=True),
                Line("Sanna Holmgren", "brukarmentor", standing=True),
                Line("Maja Lindqvist", "socialförvaltningen", sof, standing=True, chair=True),
                Line("Oskar Dahlberg", "arbetsmarknadsförvaltningen", amf, standing=True),
                Line("Henrik Sjöberg", "socialförvaltningen", sof, standing=True, note_taker=True),
            ],
            items=[
                Item(
                    "Lokaler",
                    "Vi har påbörjat ett lokalprogram, för att se vilka behov och gemensamma "
                    "beröringspunkter som finns. Vi arbetar med två spår parallellt:\n\n"
                    "- ett gemensamt för Fritidsbanken, Vorta Drom och Ria\n"
                    "- ett separat spår för varje organisation\n\n"
                    "Det finns ett källarutrymme på Bryggan som eventuellt kan användas till "
                    "annan verksamhet. Lokalen är **70 kvadratmeter**, men det är mycket lågt i "
                    "tak.",
                    kind=INFORMATION,
                    groups=["lokalprogram", "fritidsbank"],
                ),
                Item(
                    "Nationell spridning av Bättre hälsa för unga romer",
                    "Denna punkt bordläggs till nästa möte eftersom Mirela inte har möjlighet "
                    "att närvara i dag.",
                    kind=TABLED,
                    groups=["battre-halsa-for-unga-romer"],
                    picked_up_by=("lg2", 1),
                ),
                Item(
                    "Personlig representant",
                    "Totte berättar att flera av G7:s medlemmar känner sig osäkra inför ett "
                    "första besök hos socialtjänsten. De hade gärna velat att någon från "
                    "föreningen kunde följa med som stöd.\n\n"
                    "- Vilket kontaktnät behöver gruppen?\n"
                    "- Vilka kunskaper behöver de?\n"
                    "- Hur bygger vi upp förtroende för en personlig representant?\n\n"
                    "Även Bryggan är intresserade av att delta. Vi bildar en arbetsgrupp. I "
                    "första hand är Totte, Kristoffer och Maja involverade.",
                    kind=DECISION,
                    groups=["personlig-representant"],
                ),
                Item(
                    "Arbetsmarknadsförvaltningens roll",
                    "Arbetsmarknadsförvaltningen är redan med i Po Drom, Fritidsbank och "
                    "Digitalt utanförskap, och intresserade av Klarspråk, Personlig "
                    "representant och Rekrytering.\n\n"
                    "Hur ser mandatet ut för gruppen? Arbetsmarknadsförvaltningen ska ta upp "
                    "frågan om mandat i sin ledning.",
                    groups=["battre-halsa-for-unga-romer", "fritidsbank", "digitalt-utanforskap"],
                ),
            ],
            decisions=[(3, "Vi bildar en arbetsgrupp för Personlig representant.")],
            actions=[
                Action(
                    "Göra en kartläggning av hur arbetet med personlig representant kan läggas upp.",
                    item=3,
                    written="Totte",
                    people=["Torbjörn Ekström"],
                    due_next_meeting=True,
                    status=ActionItem.Status.DONE,
                    followed_up_at="lg2",
                ),
                Action(
                    "Ta upp frågan om gruppens mandat i förvaltningens ledning.",
                    item=4,
                    written="Arbetsmarknadsförvaltningen",
                    organisations=["arbetsmarknadsforvaltningen"],
                    due_next_meeting=True,
                    status=ActionItem.Status.DONE,
                    followed_up_at="lg2",
                ),
            ],
        ),
        MeetingSpec(
            key="lg2",
            series=LEDNINGSGRUPP,
            date=lg2,
            state=published,
            approved_by="Kristoffer Ahl",
            approved_on=day(-30),
            lines=[
                Line("Torbjörn Ekström", "Ria/Hela människan, G7", ria_g7, standing=True),
                Line("Mirela Stojanović", "Vorta Drom", ["vorta-drom"], standing=True),
                Line("Kristoffer Ahl", "Bryggan", bryggan, standing=True, approver=True),
                Line("Sanna Holmgren", "socialförvaltningen", sof, standing=True),
                Line("Maja Lindqvist", "socialförvaltningen", sof, standing=True, chair=True),
                Line("Oskar Dahlberg", "arbetsmarknadsförvaltningen", amf, standing=True),
                Line("Henrik Sjöberg", "socialförvaltningen", sof, standing=True, note_taker=True),
            ],
            items=[
                Item(
                    "Nationell spridning av Bättre hälsa för unga romer",
                    f"Bordlagd {sv_date(lg1)}. Mirela berättar att flera kommuner har hört av "
                    "sig och vill veta hur Po Drom har arbetat.\n\n"
                    "- Vi tar fram en kort beskrivning av arbetssättet.\n"
                    "- Vorta Drom kan ta emot studiebesök, men inte fler än ett i månaden.",
                    groups=["battre-halsa-for-unga-romer"],
                ),
                Item(
                    "Personlig representant",
                    "Totte har gjort en kartläggning. Förslaget är att börja så här:\n\n"
                    "1. En introduktion för dem som vill bli personlig representant.\n"
                    "2. En lista över representanter som Café Ria och Bryggan håller i.\n"
                    "3. Uppföljning i gruppen efter tre månader.",
                    groups=["personlig-representant"],
                ),
                Item(
                    "Fritidsbank",
                    "Fritidsbanksgruppen har varit på studiebesök i en kommun som nyligen har "
                    "startat. Vi tar ett nytt tag och startar i liten skala.\n\n"
                    "- Det kanske räcker med en liten central utlämningslokal.\n"
                    "- Lager och tvätt/reparation kan finnas på ett annat ställe.\n\n"
                    "Pingstkyrkan har beslutat att inte leda verksamheten. Vem som ska ta "
                    "huvudansvaret är fortfarande en öppen fråga. Vi tar fram en enkel "
                    "projektplan till nästa möte.",
                    groups=["fritidsbank"],
                ),
                Item(
                    "Mandat för gruppen",
                    "Arbetsmarknadsförvaltningens ledning står bakom att representanterna "
                    "fattar beslut om hur samverkan löses, inom sitt uppdrag.",
                    kind=INFORMATION,
                ),
            ],
            actions=[
                Action(
                    "Ta fram en enkel projektplan för Fritidsbank.",
                    item=3,
                    written="Oskar",
                    people=["Oskar Dahlberg"],
                    due_next_meeting=True,
                ),
            ],
        ),
        MeetingSpec(
            key="lg3",
            series=LEDNINGSGRUPP,
            date=lg3,
            state=published,
            approved_by="Sanna Holmgren",
            approved_on=day(-15),
            lines=[
                Line("Torbjörn Ekström", "Ria/G7", ria_g7, standing=True, chair=True),
                Line("Mirela Stojanović", "Vorta Drom", ["vorta-drom"], standing=True),
                Line("Kristoffer Ahl", "Bryggan", bryggan, standing=True, status=EXCUSED),
                Line("Sanna Holmgren", "socialförvaltningen", sof, standing=True, approver=True),
                Line("Maja Lindqvist", "socialförvaltningen", sof, standing=True),
                Line("Oskar Dahlberg", "arbetsmarknadsförvaltningen", amf, standing=True),
                Line("Leila Haddad", "HR-chef socialförvaltningen", sof, guest=True),
                Line("Henrik Sjöberg", "socialförvaltningen", sof, standing=True, note_taker=True),
            ],
            items=[
                Item(
                    "Brukarmedverkan i rekrytering",
                    "Det saknas ett brukarperspektiv i arbetet med rekrytering. "
                    "Socialförvaltningen vill involvera brukare i hela processen.\n\n"
                    "- Det är minst lika viktigt när det gäller medarbetare som chefer.\n"
                    "- Det bör gå att välja den brukare som har mest relevant erfarenhet.\n"
                    "  - Till exempel erfarenhet av boenden vid rekrytering till boenden.\n"
                    "- Vi behöver få in en känsla av samskapande i allt vi gör, så att det inte "
                    "fastnar i att vi beställer tjänster av brukare.",
                    kind=DECISION,
                    groups=["rekryteringsgrupp"],
                ),
                Item(
                    "Arvoden och försörjningsstöd",
                    "Hur påverkar arvoden försörjningsstödet? I dag får du behålla "
                    "**25 procent** av arvodet. Frågan behöver utredas vidare.",
                ),
                Item(
                    "Fritidsbank",
                    "Projektplanen är inte klar. Oskar fortsätter med den till nästa möte.",
                    groups=["fritidsbank"],
                ),
                Item(
                    "Om den här gruppen",
                    "Att vi kallar utvalda representanter är främst för att kunna få rapporter "
                    "från och dela ut ansvar till dem som leder arbetsgrupperna. Gruppens möten "
                    "är i övrigt öppna, för den som vill delta under en eller flera punkter.",
                    kind=DECISION,
                ),
            ],
            decisions=[
                (1, "Brukare får en introduktion innan de sitter med i en rekrytering."),
                (4, "Vi fortsätter att träffas två timmar varannan torsdag."),
            ],
            actions=[
                Action(
                    "Ta fram en introduktion för brukare som ska vara med i rekryteringar.",
                    item=1,
                    written="Sanna och HR",
                    people=["Sanna Holmgren", "Leila Haddad"],
                ),
                Action(
                    "Utreda hur arvoden påverkar försörjningsstödet.",
                    item=2,
                    written="Socialförvaltningen och arbetsmarknadsförvaltningen",
                    organisations=["socialforvaltningen", "arbetsmarknadsforvaltningen"],
                    due_next_meeting=True,
                ),
            ],
        ),
        MeetingSpec(
            key="lg4",
            series=LEDNINGSGRUPP,
            date=lg4,
            state=draft,
            lines=[
                Line("Torbjörn Ekström", "Ria/G7", ria_g7, standing=True),
                Line("Mirela Stojanović", "Vorta Drom", ["vorta-drom"], standing=True),
                Line("Kristoffer Ahl", "Bryggan", bryggan, standing=True),
                Line("Sanna Holmgren", "socialförvaltningen", sof, standing=True),
                Line("Maja Lindqvist", "socialförvaltningen", sof, standing=True, chair=True),
                Line(
                    "Oskar Dahlberg",
                    "arbetsmarknadsförvaltningen",
                    amf,
                    standing=True,
                    status=ABSENT,
                ),
                Line("Camilla Öberg", "socialförvaltningen", sof, guest=True),
                Line("Henrik Sjöberg", "socialförvaltningen", sof, standing=True, note_taker=True),
            ],
            items=[
                Item(
                    "Samskapade tjänster",
                    "Samskapade tjänster är det projekt som är strategiskt viktigast, eftersom "
                    "det går in i flera andra projekt. Gruppen tittar på processen kring en "
                    "utredning, från kontakt till insats.",
                    groups=["samskapade-tjanster"],
                ),
                Item(
                    "Förenklad dokumentation",
                    "Camilla håller på att sätta ihop en grupp. (Anteckningarna kompletteras.)",
                    groups=["forenklad-dokumentation"],
                ),
            ],
            actions=[
                Action(
                    "Sätta ihop en grupp för förenklad dokumentation.",
                    item=2,
                    written="Camilla",
                    people=["Camilla Öberg"],
                ),
            ],
        ),
    ]


# Agenda items added to the meeting that meeting_create_next plans after lg4.
NEXT_LEDNINGSGRUPP_ITEMS = [
    Item("Fritidsbank: projektplan", "Oskar presenterar projektplanen.", groups=["fritidsbank"]),
    Item(
        "Mentorsprojektet",
        "Ska vi starta mentorsprojektet igen? Sanna berättar vad som hände förra gången.",
        groups=["mentorsprojektet"],
    ),
]


# ---------------------------------------------------------------------------
# Loading


def base_monday(today: datetime.date) -> tuple[datetime.date, bool]:
    """The base Monday of an earlier load, or the last Monday before today (fresh load)."""
    anchor = (
        Meeting.objects.filter(series__slug=UTVECKLINGSGRUPP, theme=ANCHOR_THEME)
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )
    if anchor:
        return anchor + datetime.timedelta(weeks=8), False
    return today - datetime.timedelta(days=today.weekday() or 7), True


def _load_organisations(counter: Counter) -> dict[str, Organisation]:
    organisations: dict[str, Organisation] = {}
    for spec in ORGANISATIONS:
        values = {
            "name": spec["name"],
            "short_name": spec.get("short_name", ""),
            "aliases": spec.get("aliases", ""),
            "kind": spec["kind"],
            "parent": organisations[spec["parent"]] if spec.get("parent") else None,
            "description": spec.get("description", ""),
        }
        organisations[spec["slug"]], _ = upsert(
            counter, Organisation, {"slug": spec["slug"]}, values
        )
    return organisations


def _load_people(
    counter: Counter, organisations: dict[str, Organisation], base: datetime.date
) -> dict[str, Person]:
    def day(offset: int | None) -> datetime.date | None:
        return None if offset is None else base + datetime.timedelta(days=offset)

    people: dict[str, Person] = {}
    for spec in PEOPLE:
        values = {
            "aliases": spec.get("aliases", ""),
            "email": spec.get("email", ""),
            "publication_level": spec.get("publication_level", ""),
        }
        person, _ = upsert(counter, Person, {"name": spec["name"]}, values)
        people[spec["name"]] = person
        for slug, role, start, end in spec["affiliations"]:
            lookup = {
                "person": person,
                "organisation": organisations[slug] if slug else None,
                "role": role,
                "start": day(start),
            }
            upsert(counter, Affiliation, lookup, {"end": day(end)})
    return people


def _load_series(counter: Counter, people: dict[str, Person]) -> dict[str, MeetingSeries]:
    series: dict[str, MeetingSeries] = {}
    for spec in SERIES:
        values = {
            key: spec.get(key, default)
            for key, default in [
                ("name", ""),
                ("aliases", ""),
                ("description", ""),
                ("default_place", ""),
                ("weekday", None),
                ("start_time", None),
                ("duration", None),
                ("interval_weeks", 4),
                ("open_to_all", True),
            ]
        }
        obj, _ = upsert(counter, MeetingSeries, {"slug": spec["slug"]}, values)
        set_links(
            counter,
            obj.standing_members,
            [people[name] for name in spec.get("standing_members", [])],
        )
        series[spec["slug"]] = obj
    return series


def _load_working_groups(
    counter: Counter, organisations: dict[str, Organisation], people: dict[str, Person]
) -> dict[str, WorkingGroup]:
    groups: dict[str, WorkingGroup] = {}
    for spec in WORKING_GROUPS:
        values = {
            "name": spec["name"],
            "aliases": spec.get("aliases", ""),
            "description": spec.get("description", ""),
            "status": spec["status"],
            "parent": groups[spec["parent"]] if spec.get("parent") else None,
        }
        group, _ = upsert(counter, WorkingGroup, {"slug": spec["slug"]}, values)
        set_links(
            counter, group.organisations, [organisations[slug] for slug in spec["organisations"]]
        )
        for name, role in spec["members"]:
            upsert(
                counter,
                Membership,
                {"working_group": group, "person": people[name]},
                {"role": role},
            )
        groups[spec["slug"]] = group
    return groups


def _check_no_conflict(series: dict[str, MeetingSeries], specs: list[MeetingSpec]) -> None:
    for spec in specs:
        if Meeting.objects.filter(series=series[spec.series], date=spec.date).exists():
            raise DemoConflict(series[spec.series], spec.date)


def _load_meeting(
    counter: Counter,
    spec: MeetingSpec,
    series: MeetingSeries,
    people: dict[str, Person],
    organisations: dict[str, Organisation],
    groups: dict[str, WorkingGroup],
) -> tuple[Meeting, bool]:
    end_time = None
    if series.start_time and series.duration:
        end_time = (
            datetime.datetime.combine(spec.date, series.start_time) + series.duration
        ).time()
    values = {
        "start_time": series.start_time,
        "end_time": end_time,
        "place": spec.place or series.default_place,
        "theme": with_mentions(spec.theme),
        "status": spec.status,
        "approved_by": people[spec.approved_by] if spec.approved_by else None,
        "approved_on": spec.approved_on,
        "note_taker_signature": with_mentions(spec.signature),
    }
    # A published protocol starts as approved and is then published through the service.
    initial_state = (
        Meeting.ProtocolState.APPROVED
        if spec.state == Meeting.ProtocolState.PUBLISHED
        else spec.state
    )
    meeting, created = upsert(
        counter,
        Meeting,
        {"series": series, "date": spec.date},
        values,
        create_only={"protocol_state": initial_state},
    )
    for order, line in enumerate(spec.lines, start=1):
        person = people[line.person] if line.person else None
        lookup = {"meeting": meeting, "person": person}
        if person is None:
            lookup["name_as_written"] = line.written
        attendance, _ = upsert(
            counter,
            Attendance,
            lookup,
            {
                "order": order,
                "name_as_written": line.written or person.name,
                "affiliation_as_written": line.affiliation,
                "status": line.status,
                "is_standing_member": line.standing,
                "is_chair": line.chair,
                "is_note_taker": line.note_taker,
                "is_approver": line.approver,
                "is_guest": line.guest,
            },
        )
        set_links(
            counter, attendance.organisations, [organisations[slug] for slug in line.organisations]
        )
    items = _load_items(counter, meeting, spec.items, groups)
    for order, text in spec.decisions:
        upsert(
            counter,
            Decision,
            {"meeting": meeting, "text": with_mentions(text)},
            {"agenda_item": items[order]},
        )
    for action in spec.actions:
        values = {
            "agenda_item": items[action.item],
            "assignees_as_written": action.written,
            "due_next_meeting": action.due_next_meeting,
            "status": action.status,
        }
        obj, _ = upsert(
            counter, ActionItem, {"meeting": meeting, "text": with_mentions(action.text)}, values
        )
        set_links(counter, obj.assigned_people, [people[name] for name in action.people])
        set_links(
            counter,
            obj.assigned_organisations,
            [organisations[slug] for slug in action.organisations],
        )
    return meeting, created


def with_mentions(text: str) -> str:
    """The demo's text with each person it names as a mention, as staff link them in the
    admin ("Names in the text"): every page then names them at their publication level."""
    return policy.link_known_names(text, policy.NameIndex.load())


def _load_items(
    counter: Counter,
    meeting: Meeting,
    specs: list[Item],
    groups: dict[str, WorkingGroup],
    *,
    first: int = 1,
) -> dict[int, AgendaItem]:
    items = {}
    for order, spec in enumerate(specs, start=first):
        item, _ = upsert(
            counter,
            AgendaItem,
            {"meeting": meeting, "order": order},
            {
                "level": spec.level,
                "title": with_mentions(spec.title),
                "body": with_mentions(spec.body),
                "kind": spec.kind,
            },
        )
        set_links(counter, item.working_groups, [groups[slug] for slug in spec.groups])
        items[order] = item
    return items


def _link_meetings(
    counter: Counter,
    specs: list[MeetingSpec],
    meetings: dict[str, Meeting],
    groups: dict[str, WorkingGroup],
) -> None:
    """Links between meetings, once they all exist: picked up, followed up, formed at."""
    for spec in specs:
        meeting = meetings[spec.key]
        for order, item in enumerate(spec.items, start=1):
            if item.picked_up_by:
                key, later_order = item.picked_up_by
                later = AgendaItem.objects.get(meeting=meetings[key], order=later_order)
                upsert(
                    counter,
                    AgendaItem,
                    {"meeting": meeting, "order": order},
                    {"picked_up_by": later},
                )
        for action in spec.actions:
            if action.followed_up_at:
                upsert(
                    counter,
                    ActionItem,
                    {"meeting": meeting, "text": action.text},
                    {"followed_up_at": meetings[action.followed_up_at]},
                )
    for spec in WORKING_GROUPS:
        if spec.get("formed_at"):
            upsert(
                counter,
                WorkingGroup,
                {"slug": spec["slug"]},
                {"formed_at": meetings[spec["formed_at"]]},
            )


def _load_staff_user(with_password: bool) -> tuple[Any, str | None]:
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=STAFF_USERNAME, defaults={"is_staff": True, "is_superuser": True}
    )
    changed = created
    if not (user.is_staff and user.is_superuser and user.is_active):
        user.is_staff = user.is_superuser = user.is_active = True
        changed = True
    if with_password:
        user.set_password(DEMO_PASSWORD)
        changed = True
    elif created or user.check_password(DEMO_PASSWORD):
        # Never leave a known password on a server that is not in debug mode.
        user.set_unusable_password()
        changed = True
    if changed:
        user.save()
    return user, DEMO_PASSWORD if with_password else None


@transaction.atomic
def demo_load(
    *, with_password: bool | None = None, today: datetime.date | None = None
) -> DemoResult:
    """Load (or bring up to date) the demo data. Safe to run any number of times."""
    if with_password is None:
        with_password = settings.DEBUG
    today = today or timezone.localdate()
    counter = Counter()
    user, password = _load_staff_user(with_password)

    base, fresh = base_monday(today)
    organisations = _load_organisations(counter)
    people = _load_people(counter, organisations, base)
    series = _load_series(counter, people)
    groups = _load_working_groups(counter, organisations, people)

    specs = meeting_specs(base)
    if fresh:
        _check_no_conflict(series, specs)
    meetings: dict[str, Meeting] = {}
    created_keys = set()
    for spec in specs:
        meeting, created = _load_meeting(
            counter, spec, series[spec.series], people, organisations, groups
        )
        meetings[spec.key] = meeting
        if created:
            created_keys.add(spec.key)
    _link_meetings(counter, specs, meetings, groups)
    for spec in specs:
        if spec.key in created_keys and spec.state == Meeting.ProtocolState.PUBLISHED:
            # Published like a real protocol, so it passes the same checks. Only on
            # creation: a re-run leaves the workflow state alone.
            for attendance in meetings[spec.key].attendances.filter(person=None):
                # The demo's guests without a register entry are shown by role.
                protocol_name_confirm(
                    meeting=meetings[spec.key], text=attendance.name_as_written, by=user
                )
            meetings[spec.key] = protocol_publish(meeting=meetings[spec.key], by=user)

    # The next Ledningsgrupp meeting is planned the way staff plan it: through the
    # service, which lists the open action items to follow up. Its date follows the
    # last demo meeting (not today), so a re-run finds it instead of planning another;
    # if the series already has some other later meeting, the demo leaves it be.
    ledningsgrupp = series[LEDNINGSGRUPP]
    last = max(spec.date for spec in specs if spec.series == LEDNINGSGRUPP)
    expected = last + datetime.timedelta(weeks=ledningsgrupp.interval_weeks)
    upcoming = ledningsgrupp.meetings.filter(date=expected).first()
    if upcoming is None and not ledningsgrupp.meetings.filter(date__gt=last).exists():
        upcoming = meeting_create_next(series=ledningsgrupp, today=base)
        counter.created += 1
    if upcoming is not None:
        _load_items(counter, upcoming, NEXT_LEDNINGSGRUPP_ITEMS, groups, first=2)
        meetings["lg5"] = upcoming

    # The staff user follows the series whose approved protocol waits to be published,
    # so that publishing it in `make run` really sends a follower email (to the console).
    # Only now: the protocols the demo itself published are not news to anyone.
    if not user.email:
        user.email = STAFF_EMAIL
        user.save(update_fields=["email"])
    _follow, created = Follow.objects.get_or_create(user=user, series=series[UTVECKLINGSGRUPP])
    counter.created += created

    demo_meetings = list(meetings.values())
    return DemoResult(
        organisations=len(organisations),
        people=len(people),
        working_groups=len(groups),
        series=len(series),
        meetings=len(demo_meetings),
        published=Meeting.objects.filter(pk__in=[m.pk for m in demo_meetings]).published().count(),
        created=counter.created,
        updated=counter.updated,
        username=user.get_username(),
        password=password,
    )
