"""A large, realistic, reproducible data set for benchmarks: ``generate_scale_data``.

Everything comes from one ``random.Random(seed)`` and a fixed ``today``, so the same
seed and day give the same rows. Rows are built in memory as unsaved model instances
with explicit primary keys (continuing after the highest key already in the table),
so no row has to be read back; ``generate`` writes them with ``bulk_create`` and then
resets the database sequences.

History: ``bulk_create`` bypasses ``save()`` and the signals that django-simple-history
listens to, so none of these rows gets a history row. That is intended: the data is
synthetic and the history tables would only double the size of the benchmark.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from organisations.models import Organisation
from people.models import Affiliation, Person, PublicationLevel
from projects.models import Membership, WorkingGroup

from .models import (
    ActionItem,
    ActionItemOrganisation,
    ActionItemPerson,
    AgendaItem,
    AgendaItemWorkingGroup,
    Attendance,
    AttendanceOrganisation,
    Decision,
    Meeting,
    MeetingSeries,
    PublishedCount,
    SearchEntry,
)
from .page_cache import content_changed
from .search import rebuild_index

BATCH_SIZE = 2000
MEETING_CHUNK = 500  # meetings whose items, attendance and actions are built at a time
YEARS = 20

DEFAULT_COUNTS = {
    "organisations": 200,
    "people": 5_000,
    "working_groups": 300,
    "series": 40,
    "meetings": 20_000,
    "agenda_items": 200_000,
    "attendances": 300_000,
    "action_items": 30_000,
}

WorkingGroupOrganisation = WorkingGroup.organisations.through

# Every model written, in dependency order (also the order of the sequence reset).
MODELS: list[type[models.Model]] = [
    Organisation,
    Person,
    Affiliation,
    WorkingGroup,
    WorkingGroupOrganisation,
    Membership,
    MeetingSeries,
    Meeting,
    AgendaItem,
    AgendaItemWorkingGroup,
    Decision,
    Attendance,
    AttendanceOrganisation,
    ActionItem,
    ActionItemPerson,
    ActionItemOrganisation,
]


def counts_for(scale: float = 1.0, **overrides: int | None) -> dict[str, int]:
    """The default counts times ``scale`` (at least one of each), with explicit overrides."""
    counts = {key: max(1, round(value * scale)) for key, value in DEFAULT_COUNTS.items()}
    counts.update({key: value for key, value in overrides.items() if value is not None})
    if overrides.get("attendances") is None:  # a person attends a meeting at most once
        counts["attendances"] = min(counts["attendances"], counts["meetings"] * counts["people"])
    return counts


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# --- vocabulary -------------------------------------------------------------------

FIRST_NAMES = _words(
    "Anna Maria Eva Karin Sara Lena Kerstin Emma Ingrid Malin Linnea Sofia Elin Hanna Ida "
    "Johanna Camilla Annika Pernilla Susanne Leila Mirela Fatima Amina Ia Ann Martina Carina "
    "Erik Lars Karl Anders Johan Per Mikael Nils Jan Hans Peter Oskar Henrik Rasmus Torbjörn "
    "Kristoffer Bengt Bo Gösta Leif Allan Samir Ivan Ahmed Mehmet Niclas David Jack Ali Omar"
)
LAST_NAMES = _words(
    "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson "
    "Pettersson Jonsson Jansson Hansson Bengtsson Lindqvist Sjöberg Ekström Holmgren Dahlberg "
    "Forsberg Lindberg Lindgren Berg Strand Kvist Hedman Norbeck Abrahamsson Wenkel Redestig "
    "Bergström Roneklint Eskilsson Ekdahl Elofsson Haddad Stojanović Kafedzic Vik Ahl Lund "
    "Sandberg Holm Nyström Öberg Åkesson Söderberg Wallin Björk Kuzhikov Callegari Yilmaz"
)
PLACES = _words(
    "Nordväst Sydost Centrum Hisingen Angered Majorna Frölunda Kortedala Biskopsgården "
    "Lundby Örgryte Högsbo Bergsjön Backa Tynnered Gamlestaden Västra Askim Kvillebäcken"
)
ROLES = (
    "brukarutvecklare",
    "utvecklare",
    "enhetschef",
    "HR-chef",
    "projektledare",
    "handledare",
    "medlem",
    "ordförande",
    "sekreterare",
    "personligt ombud",
    "personlig representant",
    "brukarmentor",
    "socialsekreterare",
    "verksamhetsutvecklare",
    "kassör",
    "volontär",
)
ORGANISATION_NAMES = {
    Organisation.Kind.MUNICIPAL_DEPARTMENT: (
        "Socialförvaltningen {place}",
        "Arbetsmarknadsförvaltningen {place}",
        "Stadsbyggnadsförvaltningen",
        "Förvaltningen för funktionsstöd {place}",
        "Kulturförvaltningen {place}",
    ),
    Organisation.Kind.ASSOCIATION: (
        "Föreningen {word} {place}",
        "RSMH {place}",
        "Brukarföreningen {word}",
        "Fontänhuset {place}",
        "Kamratstödsföreningen {word}",
        "Hela människan {place}",
        "Föreningen Fritidsbanken {place}",
    ),
    Organisation.Kind.NATIONAL_ORGANISATION: (
        "Riksförbundet {word}",
        "Nationell samverkan för {topic}",
        "Sveriges {word}förbund",
    ),
    Organisation.Kind.PUBLIC_AUTHORITY: (
        "Försäkringskassan {place}",
        "Arbetsförmedlingen {place}",
        "Regionen, psykiatrin {place}",
        "Kronofogden {place}",
    ),
    Organisation.Kind.OTHER: (
        "Stiftelsen {word}",
        "Kooperativet {word}",
        "Studieförbundet {word}",
        "Café {word}",
    ),
}
ORG_WORDS = _words(
    "Bryggan Ria G7 Gemenskapen Framsteget Vägen Brobygget Hoppet Ljuset Kompassen Nyckeln "
    "Porten Trappan Gnistan Samklang Fyren Oasen Viljan Steget Tillsammans"
)
TOPICS = (
    "rekrytering",
    "lokaler",
    "samverkan",
    "utbildning",
    "fritidsbanken",
    "klarspråk",
    "digitalt utanförskap",
    "personlig representant",
    "samskapade tjänster",
    "brukarinflytande",
    "kamratstöd",
    "sysselsättning",
    "boendestöd",
    "uppföljning",
    "budget",
    "kommunikation",
    "hemsidan",
    "nätverksträffar",
    "studiebesök",
    "arbetsmiljö",
)
GROUP_NAMES = (
    "Arbetsgrupp {topic}",
    "Projekt {word}",
    "Referensgrupp {topic}",
    "Nätverket för {topic}",
    "Styrgrupp {topic}",
    "{word} – {topic}",
)
SERIES_NAMES = (
    "Gemensam utvecklingsgrupp {place}",
    "Ledningsgrupp för utveckling {place}",
    "Brukarråd {place}",
    "Innovationsgruppen på café {word}",
    "Samverkansmöte {place}",
    "Nätverksträff {topic}",
    "Arbetsplatsträff {place}",
)
MEETING_PLACES = (
    "Café Ria",
    "Fontänhuset",
    "Socialförvaltningens lokaler, plan 3",
    "Stadsbiblioteket, rum Vega",
    "Digitalt via Teams",
    "Fritidsbanken",
    "Kvartersgården",
    "Medborgarhuset",
)

SUBJECTS = (
    "Socialförvaltningen",
    "Arbetsgruppen",
    "Brukarrådet",
    "Gruppen",
    "Vi",
    "Projektledaren",
    "Den personliga representanten",
    "Personalen på fritidsbanken",
    "Förvaltningen",
    "Föreningen",
    "Brukarutvecklarna",
    "Ledningsgruppen",
    "Några av brukarna",
    "Styrgruppen",
)
VERBS = (
    "berättar om",
    "tar upp",
    "föreslår",
    "återkommer om",
    "har påbörjat arbetet med",
    "diskuterar",
    "lyfter frågan om",
    "vill se över",
    "har fått medel för",
    "bjuder in till ett samtal om",
    "har träffat förvaltningen om",
    "ser ett behov av",
)
OBJECTS = (
    "rekryteringen av brukarutvecklare",
    "samverkan med föreningarna",
    "utbildning i klarspråk",
    "digitalt utanförskap bland äldre brukare",
    "lokalerna på Ria",
    "samskapade tjänster",
    "uppföljningen av förra protokollet",
    "den nya fritidsbanken",
    "personligt ombud för fler brukare",
    "budgeten för nästa år",
    "en gemensam arbetsgrupp för kamratstöd",
    "hur protokollet ska spridas",
    "nya lokaler för mötet",
    "studiebesöket hos Fontänhuset",
    "utbildningsdagen om brukarinflytande",
    "hur fler kan vara med på mötena",
    "sysselsättning för personer långt från arbetsmarknaden",
    "en enkät till deltagarna",
)
TAILS = (
    "",
    " till nästa möte",
    " under hösten",
    " under våren",
    " tillsammans med brukarna",
    " i samråd med förvaltningen",
    " så snart som möjligt",
    " efter sommaren",
    " innan årsskiftet",
    " på ett enkelt och tydligt sätt",
)
EXTRA_SENTENCES = (
    "Frågan bordläggs till nästa möte.",
    "Alla är välkomna att komma med förslag.",
    "Det finns fortfarande platser kvar.",
    "Mötet tackar för informationen.",
    "Protokollet läggs till handlingarna.",
    "Flera deltagare tycker att det har blivit bättre.",
    "Det behövs fler som kan hjälpa till på plats.",
    "Inbjudan skickas ut via mejl och läggs på hemsidan.",
    "Vi behöver skriva på klarspråk så att alla förstår.",
    "Kostnaden delas mellan förvaltningen och föreningarna.",
)
FIXED_FIRST = ("Mötets öppnande", "Val av sekreterare och justerare", "Föregående protokoll")
FIXED_LAST = ("Övrigt", "Nästa möte")
TITLE_FORMS = (
    "{Topic}",
    "{Topic}: {object}",
    "Information från {org}",
    "Rapport från arbetsgrupp {topic}",
    "Uppföljning: {object}",
)
DECISIONS = (
    "Mötet beslutar att {object} tas upp{tail}.",
    "Mötet beslutar att bilda en arbetsgrupp för {topic}.",
    "Mötet godkänner förslaget om {object}.",
    "Beslut: {Subject} ansvarar för {object}{tail}.",
)
ACTIONS = (
    "{name} tar kontakt med förvaltningen om {object}.",
    "{name} lovar att kolla upp {object}{tail}.",
    "{name} skickar ut inbjudan om {topic}.",
    "{name} återkommer om {object} till nästa möte.",
    "{name} tar fram ett underlag om {topic}.",
)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass
class _PersonRow:
    pk: int
    name: str
    affiliation: str
    organisation_id: int | None


class ScaleData:
    """Builds the rows; ``rows()`` yields ``(model, instances)`` in an order safe to insert."""

    def __init__(
        self,
        counts: dict[str, int],
        seed: int = 42,
        today: datetime.date | None = None,
        first_ids: dict[type[models.Model], int] | None = None,
    ) -> None:
        self.counts = counts
        self.rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
        self.today = today or timezone.localdate()
        self.first_ids = first_ids or {}
        self._next: dict[type[models.Model], int] = {}
        self.sentences = [self._sentence() for _ in range(1500)]

    # helpers ---------------------------------------------------------------------
    def _pk(self, model: type[models.Model]) -> int:
        pk = self._next.get(model, self.first_ids.get(model, 1))
        self._next[model] = pk + 1
        return pk

    def _fill(self, template: str, **extra: str) -> str:
        rng = self.rng
        topic = rng.choice(TOPICS)
        obj = rng.choice(OBJECTS)
        values = {
            "place": rng.choice(PLACES),
            "word": rng.choice(ORG_WORDS),
            "topic": topic,
            "Topic": _cap(topic),
            "object": obj,
            "tail": rng.choice(TAILS),
            "Subject": rng.choice(SUBJECTS),
            **extra,
        }
        return template.format(**values)

    def _sentence(self) -> str:
        rng = self.rng
        if rng.random() < 0.15:
            return rng.choice(EXTRA_SENTENCES)
        return (
            f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}{rng.choice(TAILS)}."
        )

    def _body(self) -> str:
        """Markdown of 200–1,500 characters: paragraphs, sometimes bullets and bold text."""
        rng = self.rng
        target = int(rng.triangular(200, 1500, 450))
        parts: list[str] = []
        length = 0
        while length < target:
            roll = rng.random()
            if roll < 0.12 and parts:
                items = [f"- {_cap(rng.choice(OBJECTS))}" for _ in range(rng.randint(2, 4))]
                chunk = "\n".join(items)
            else:
                chunk = " ".join(rng.choice(self.sentences) for _ in range(rng.randint(1, 4)))
                if roll > 0.9:
                    chunk = f"**{rng.choice(EXTRA_SENTENCES)}** {chunk}"
            if length + len(chunk) + 2 > 1500:
                if length >= 200:
                    break
                chunk = chunk[: 1500 - length - 2].rsplit(" ", 1)[0] + "."
            parts.append(chunk)
            length += len(chunk) + 2
        return "\n\n".join(parts)

    def _spread(self, total: int, n: int, cap: int | None = None) -> list[int]:
        """``total`` split over ``n`` buckets, about even with some jitter, each at most ``cap``."""
        if n == 0:
            return []
        if cap is not None and total > n * cap:
            raise ValueError(f"cannot fit {total} rows into {n} × {cap}")
        base, rest = divmod(total, n)
        sizes = [base] * n
        for i in self.rng.sample(range(n), rest):
            sizes[i] += 1
        for i in range(n):
            move = self.rng.randint(0, sizes[i] // 3)
            j = self.rng.randrange(n)
            if move and (cap is None or sizes[j] + move <= cap):
                sizes[i] -= move
                sizes[j] += move
        return sizes

    # rows ------------------------------------------------------------------------
    def rows(self) -> Iterator[tuple[type[models.Model], list[models.Model]]]:
        yield from self._organisations()
        yield from self._people()
        yield from self._working_groups()
        yield from self._series_and_meetings()
        for start in range(0, len(self.meetings), MEETING_CHUNK):
            yield from self._meeting_contents(self.meetings[start : start + MEETING_CHUNK])

    def _organisations(self):
        rng = self.rng
        kinds = [
            (Organisation.Kind.MUNICIPAL_DEPARTMENT, 0.10),
            (Organisation.Kind.ASSOCIATION, 0.55),
            (Organisation.Kind.NATIONAL_ORGANISATION, 0.10),
            (Organisation.Kind.PUBLIC_AUTHORITY, 0.10),
            (Organisation.Kind.OTHER, 0.15),
        ]
        organisations = []
        for _ in range(self.counts["organisations"]):
            kind = rng.choices([k for k, _w in kinds], [w for _k, w in kinds])[0]
            pk = self._pk(Organisation)
            name = self._fill(rng.choice(ORGANISATION_NAMES[kind]))
            short = "".join(word[0] for word in name.split() if word[0].isalpha()).upper()
            organisations.append(
                Organisation(
                    pk=pk,
                    name=name,
                    slug=f"{slugify(name)[:180]}-{pk}",
                    short_name=short[:10] if rng.random() < 0.4 else "",
                    kind=kind,
                    description=rng.choice(self.sentences) if rng.random() < 0.5 else "",
                )
            )
        self.organisations = organisations
        yield Organisation, organisations

    def _people(self):
        rng = self.rng
        levels = ["", "", "", PublicationLevel.FULL_NAME, PublicationLevel.INITIALS]
        levels.append(PublicationLevel.ROLE_AND_ORGANISATION)
        people, affiliations, self.people = [], [], []
        for _ in range(self.counts["people"]):
            pk = self._pk(Person)
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            people.append(
                Person(
                    pk=pk,
                    name=name,
                    email=f"{slugify(name)}.{pk}@example.org" if rng.random() < 0.5 else "",
                    publication_level=rng.choice(levels),
                )
            )
            first: _PersonRow | None = None
            for number in range(1 if rng.random() < 0.7 else 2):
                organisation = rng.choice(self.organisations) if rng.random() < 0.9 else None
                role = rng.choice(ROLES) if organisation is None or rng.random() < 0.8 else ""
                start = self.today - datetime.timedelta(days=rng.randint(30, 365 * YEARS))
                end = None
                if number == 1 and rng.random() < 0.5:  # a second, earlier role that ended
                    end = start + datetime.timedelta(days=rng.randint(0, 900))
                affiliations.append(
                    Affiliation(
                        pk=self._pk(Affiliation),
                        person_id=pk,
                        organisation=organisation,
                        role=role,
                        start=start if rng.random() < 0.6 else None,
                        end=end,
                    )
                )
                if first is None:
                    label = (
                        " ".join(
                            part
                            for part in (role, organisation.short_name or organisation.name)
                            if part
                        )
                        if organisation
                        else role
                    )
                    first = _PersonRow(pk, name, label, organisation.pk if organisation else None)
            self.people.append(first)
        yield Person, people
        yield Affiliation, affiliations

    def _working_groups(self):
        rng = self.rng
        statuses = list(WorkingGroup.Status)
        weights = [1, 2, 6, 1, 3]
        groups, links, memberships = [], [], []
        for _ in range(self.counts["working_groups"]):
            pk = self._pk(WorkingGroup)
            name = self._fill(rng.choice(GROUP_NAMES))
            parent = rng.choice(groups).pk if groups and rng.random() < 0.1 else None
            groups.append(
                WorkingGroup(
                    pk=pk,
                    name=name,
                    slug=f"{slugify(name)[:180]}-{pk}",
                    description=self._body() if rng.random() < 0.7 else "",
                    status=rng.choices(statuses, weights)[0],
                    parent_id=parent,
                )
            )
            for org in rng.sample(
                self.organisations, min(len(self.organisations), rng.randint(1, 3))
            ):
                links.append(
                    WorkingGroupOrganisation(
                        pk=self._pk(WorkingGroupOrganisation),
                        workinggroup_id=pk,
                        organisation_id=org.pk,
                    )
                )
            members = rng.sample(self.people, min(len(self.people), rng.randint(2, 8)))
            for number, person in enumerate(members):
                role = Membership.Role.LEAD if number == 0 else Membership.Role.MEMBER
                if number == 1 and rng.random() < 0.5:
                    role = Membership.Role.CONTACT
                memberships.append(
                    Membership(
                        pk=self._pk(Membership),
                        working_group_id=pk,
                        person_id=person.pk,
                        role=role,
                        since=self.today - datetime.timedelta(days=rng.randint(0, 365 * 5)),
                    )
                )
        self.groups = groups
        yield WorkingGroup, groups
        yield WorkingGroupOrganisation, links
        yield Membership, memberships

    def _series_and_meetings(self):
        rng = self.rng
        series_list, meetings = [], []
        first_day = self.today - datetime.timedelta(days=365 * YEARS)
        last_day = self.today + datetime.timedelta(days=182)
        days = (last_day - first_day).days + 1
        sizes = self._spread(self.counts["meetings"], self.counts["series"], cap=days)
        for size in sizes:
            pk = self._pk(MeetingSeries)
            name = self._fill(rng.choice(SERIES_NAMES))
            weekday = rng.randrange(5)
            start_time = datetime.time(rng.choice([9, 10, 13, 14, 17]), rng.choice([0, 30]))
            duration = datetime.timedelta(hours=rng.choice([1, 1.5, 2, 2, 3]))
            place = rng.choice(MEETING_PLACES)
            series = MeetingSeries(
                pk=pk,
                name=name,
                slug=f"{slugify(name)[:180]}-{pk}",
                description=rng.choice(self.sentences),
                default_place=place,
                weekday=weekday,
                start_time=start_time,
                duration=duration,
                interval_weeks=rng.choice([1, 2, 2, 4, 4, 4]),
                open_to_all=rng.random() < 0.7,
            )
            series_list.append(series)
            offset = (weekday - first_day.weekday()) % 7
            weekly = [first_day + datetime.timedelta(days=d) for d in range(offset, days, 7)]
            if size > len(weekly):  # more meetings than weeks: any day will do
                weekly = [first_day + datetime.timedelta(days=d) for d in range(days)]
            end_time = (datetime.datetime.combine(first_day, start_time) + duration).time()
            for date in sorted(rng.sample(weekly, size)):
                meetings.append(self._meeting(series, date, start_time, end_time, place))
        self.meetings = meetings
        yield MeetingSeries, series_list
        yield Meeting, meetings

    def _meeting(self, series, date, start_time, end_time, place) -> Meeting:
        rng = self.rng
        meeting = Meeting(
            pk=self._pk(Meeting),
            series_id=series.pk,
            date=date,
            start_time=start_time,
            end_time=end_time,
            place=place if rng.random() < 0.85 else rng.choice(MEETING_PLACES),
            theme=_cap(rng.choice(TOPICS)) if rng.random() < 0.2 else "",
        )
        meeting.series = series  # for get_absolute_url() without a query
        if date > self.today:
            meeting.status = Meeting.Status.PLANNED
            meeting.protocol_state = Meeting.ProtocolState.DRAFT
            return meeting
        meeting.status = Meeting.Status.HELD if rng.random() < 0.99 else Meeting.Status.CANCELLED
        # The note-taker and the approver are picked now (the meeting row needs them) and
        # put first on the attendance list when it is built.
        meeting._scale_officers = rng.sample(self.people, min(2, len(self.people)))
        if meeting._scale_officers:
            meeting.note_taker_signature = f"Vid pennan {meeting._scale_officers[0].name}"
        roll = rng.random()
        if roll < 0.95:
            meeting.protocol_state = Meeting.ProtocolState.PUBLISHED
            published = date + datetime.timedelta(days=rng.randint(3, 21))
            meeting.published_at = datetime.datetime.combine(
                published, datetime.time(rng.randint(8, 17), rng.randint(0, 59)), datetime.UTC
            )
            meeting.approved_on = published - datetime.timedelta(days=rng.randint(0, 3))
            meeting.approved_on = max(meeting.approved_on, date)
            meeting.approved_by_id = meeting._scale_officers[-1].pk
        elif roll < 0.975:
            meeting.protocol_state = Meeting.ProtocolState.APPROVED
            meeting.approved_on = date + datetime.timedelta(days=rng.randint(0, 14))
            meeting.approved_by_id = meeting._scale_officers[-1].pk
        else:
            meeting.protocol_state = Meeting.ProtocolState.DRAFT
        return meeting

    def _meeting_contents(self, meetings: list[Meeting]):
        rng = self.rng
        n_meetings = len(self.meetings)
        if not hasattr(self, "_item_sizes"):
            self._item_sizes = iter(self._spread(self.counts["agenda_items"], n_meetings))
            self._attendance_sizes = iter(
                self._spread(self.counts["attendances"], n_meetings, cap=len(self.people))
            )
            self._action_sizes = iter(self._spread(self.counts["action_items"], n_meetings))
        items, item_groups, decisions = [], [], []
        attendances, attendance_orgs = [], []
        actions, action_people, action_orgs = [], [], []
        for meeting in meetings:
            # agenda
            n_items = next(self._item_sizes)
            meeting_items = []
            for order in range(1, n_items + 1):
                if order <= len(FIXED_FIRST) and n_items > 6:
                    title, kind, body = FIXED_FIRST[order - 1], AgendaItem.Kind.INFORMATION, ""
                    if order == 3:
                        body = rng.choice(self.sentences)
                elif n_items > 6 and order > n_items - len(FIXED_LAST):
                    title = FIXED_LAST[order - n_items + len(FIXED_LAST) - 1]
                    kind, body = AgendaItem.Kind.INFORMATION, self._body()
                else:
                    org = rng.choice(self.organisations)
                    title = self._fill(rng.choice(TITLE_FORMS), org=org.short_name or org.name)
                    kind = rng.choices(list(AgendaItem.Kind), [4, 5, 2, 1])[0]
                    body = self._body()
                item = AgendaItem(
                    pk=self._pk(AgendaItem),
                    meeting_id=meeting.pk,
                    order=order,
                    level=2 if order > 4 and rng.random() < 0.05 else 1,
                    title=title[:300],
                    body=body,
                    kind=kind,
                )
                meeting_items.append(item)
                if self.groups and rng.random() < 1 / 3:
                    item_groups.append(
                        AgendaItemWorkingGroup(
                            pk=self._pk(AgendaItemWorkingGroup),
                            agenda_item_id=item.pk,
                            working_group_id=rng.choice(self.groups).pk,
                        )
                    )
                if kind == AgendaItem.Kind.DECISION:
                    decisions.append(
                        Decision(
                            pk=self._pk(Decision),
                            meeting_id=meeting.pk,
                            agenda_item_id=item.pk,
                            text=self._fill(rng.choice(DECISIONS)),
                        )
                    )
            items.extend(meeting_items)

            # attendance: one row per person and meeting
            size = next(self._attendance_sizes)
            officers = getattr(meeting, "_scale_officers", [])[:size]
            others = [p for p in rng.sample(self.people, min(len(self.people), size + 2))]
            others = [p for p in others if p not in officers]
            attendees = officers + others[: size - len(officers)]
            future = meeting.status == Meeting.Status.PLANNED
            for order, person in enumerate(attendees, start=1):
                if future:
                    status = Attendance.Status.EXPECTED
                else:
                    status = rng.choices(list(Attendance.Status)[:3], [85, 5, 10])[0]
                attendance = Attendance(
                    pk=self._pk(Attendance),
                    meeting_id=meeting.pk,
                    order=order,
                    person_id=person.pk,
                    name_as_written=person.name,
                    affiliation_as_written=person.affiliation,
                    status=status,
                    is_standing_member=rng.random() < 0.3,
                    is_chair=order == len(officers) + 1,
                    is_note_taker=order == 1 and bool(officers),
                    is_approver=order == 2 and len(officers) == 2,
                    is_guest=order > 3 and rng.random() < 0.05,
                )
                attendances.append(attendance)
                if person.organisation_id:
                    attendance_orgs.append(
                        AttendanceOrganisation(
                            pk=self._pk(AttendanceOrganisation),
                            attendance_id=attendance.pk,
                            organisation_id=person.organisation_id,
                        )
                    )
            # action items, assigned to people at the meeting (or anyone if nobody came)
            for _ in range(next(self._action_sizes)):
                pool = attendees or self.people
                assignees = rng.sample(pool, min(len(pool), rng.choice([1, 1, 1, 2])))
                name = " och ".join(p.name.split()[0] for p in assignees)
                age = (self.today - meeting.date).days
                action = ActionItem(
                    pk=self._pk(ActionItem),
                    meeting_id=meeting.pk,
                    agenda_item_id=rng.choice(meeting_items).pk if meeting_items else None,
                    text=self._fill(rng.choice(ACTIONS), name=name),
                    assignees_as_written=", ".join(p.name for p in assignees),
                    due_next_meeting=rng.random() < 0.5,
                    status=(
                        rng.choices(list(ActionItem.Status), [1, 8, 1])[0]
                        if age > 90
                        else ActionItem.Status.OPEN
                    ),
                )
                actions.append(action)
                for person in assignees:
                    action_people.append(
                        ActionItemPerson(
                            pk=self._pk(ActionItemPerson),
                            action_item_id=action.pk,
                            person_id=person.pk,
                        )
                    )
                if rng.random() < 0.2:
                    action_orgs.append(
                        ActionItemOrganisation(
                            pk=self._pk(ActionItemOrganisation),
                            action_item_id=action.pk,
                            organisation_id=rng.choice(self.organisations).pk,
                        )
                    )
        yield AgendaItem, items
        yield AgendaItemWorkingGroup, item_groups
        yield Decision, decisions
        yield Attendance, attendances
        yield AttendanceOrganisation, attendance_orgs
        yield ActionItem, actions
        yield ActionItemPerson, action_people
        yield ActionItemOrganisation, action_orgs


def _first_ids() -> dict[type[models.Model], int]:
    return {
        model: (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1 for model in MODELS
    }


def generate(counts: dict[str, int], seed: int = 42, today: datetime.date | None = None) -> Counter:
    """Write the data set in one transaction; returns the number of rows per model label."""
    written: Counter = Counter()
    with transaction.atomic():
        data = ScaleData(counts, seed=seed, today=today, first_ids=_first_ids())
        for model, objects in data.rows():
            model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
            written[model._meta.label] += len(objects)
        # The primary keys were given explicitly: move the sequences past them (PostgreSQL).
        statements = connection.ops.sequence_reset_sql(no_style(), MODELS)
        if statements:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        # bulk_create sends no signals: index and count the new protocols, retire cached pages.
        written[SearchEntry._meta.label] = rebuild_index()
        PublishedCount.objects.recount()
        written[PublishedCount._meta.label] = PublishedCount.objects.count()
        content_changed()
    return written
