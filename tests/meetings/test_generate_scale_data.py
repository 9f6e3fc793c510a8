"""generate_scale_data: counts, determinism, constraints, refusal, and public pages afterwards."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.urls import reverse

from meetings.models import (
    ActionItem,
    ActionItemPerson,
    AgendaItem,
    AgendaItemWorkingGroup,
    Attendance,
    AttendanceOrganisation,
    Decision,
    Meeting,
    MeetingSeries,
    PublishedCount,
)
from meetings.scale import ScaleData, counts_for
from organisations.models import Organisation
from people.models import Affiliation, Person
from projects.models import Membership, WorkingGroup

pytestmark = pytest.mark.django_db

SMALL = {
    "organisations": 6,
    "people": 30,
    "working_groups": 4,
    "series": 3,
    "meetings": 20,
    "agenda_items": 150,
    "attendances": 200,
    "action_items": 25,
}
ARGS = [f"--{key.replace('_', '-')}={value}" for key, value in SMALL.items()]
TODAY = datetime.date(2025, 6, 2)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("generate_scale_data", *args, stdout=out)
    return out.getvalue()


def snapshot(seed: int) -> list[tuple]:
    """The rows one seed builds, in memory, as comparable tuples."""
    rows = []
    for model, objects in ScaleData(SMALL, seed=seed, today=TODAY).rows():
        for obj in objects:
            rows.append(
                (
                    model._meta.label,
                    obj.pk,
                    getattr(obj, "name", None),
                    getattr(obj, "title", None) if model is AgendaItem else None,
                    getattr(obj, "date", None),
                    getattr(obj, "body", None),
                )
            )
    return rows


def test_counts_of_every_model():
    output = run(*ARGS)
    assert Organisation.objects.count() == 6
    assert Person.objects.count() == 30
    assert WorkingGroup.objects.count() == 4
    assert MeetingSeries.objects.count() == 3
    assert Meeting.objects.count() == 20
    assert AgendaItem.objects.count() == 150
    assert Attendance.objects.count() == 200
    assert ActionItem.objects.count() == 25
    assert Affiliation.objects.count() >= 30
    assert Membership.objects.count() >= 4 * 2
    assert WorkingGroup.organisations.through.objects.count() >= 4
    assert AgendaItemWorkingGroup.objects.exists()
    assert AttendanceOrganisation.objects.exists()
    assert ActionItemPerson.objects.count() >= 25
    assert Decision.objects.filter(agenda_item__kind=AgendaItem.Kind.DECISION).exists()
    assert "Genererade" in output


def test_the_archive_counts_match_the_generated_protocols():
    run(*ARGS)
    published = Meeting.objects.published()
    assert published.exists()
    assert PublishedCount.objects.by_year() == [
        (year, published.filter(date__year=year).count())
        for year in sorted({date.year for date in published.values_list("date", flat=True)})[::-1]
    ]


def test_scale_multiplies_the_defaults():
    assert counts_for(0.1)["meetings"] == 2_000
    assert counts_for(0.0005)["series"] == 1
    assert counts_for(1.0, meetings=7)["meetings"] == 7
    run("--scale", "0.0005")
    assert Meeting.objects.count() == 10
    assert AgendaItem.objects.count() == 100
    assert Attendance.objects.count() == 10 * 2  # capped: two people, ten meetings


def test_same_seed_same_rows_other_seed_other_rows():
    first = snapshot(42)
    assert first == snapshot(42)
    assert first != snapshot(7)


def test_constraints_hold():
    run(*ARGS)
    assert not (
        Attendance.objects.values("meeting", "person")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .exists()
    )
    assert not (
        AgendaItem.objects.values("meeting", "order").annotate(n=Count("pk")).filter(n__gt=1)
    ).exists()
    for meeting in Meeting.objects.annotate(n=Count("agenda_items")):
        orders = list(meeting.agenda_items.values_list("order", flat=True))
        assert sorted(orders) == list(range(1, meeting.n + 1))
    published = Meeting.objects.published()
    assert published.exists()
    assert not published.filter(published_at__isnull=True).exists()
    assert Meeting.objects.exclude(protocol_state="published").count() < published.count()
    assert not Attendance.objects.exclude(name_as_written__gt="").exists()
    for item in AgendaItem.objects.exclude(body=""):
        assert len(item.body) <= 1500


def test_refuses_when_meetings_exist_unless_forced():
    run(*ARGS)
    with pytest.raises(CommandError, match="--force"):
        run(*ARGS)
    run(*ARGS, "--force")
    assert Meeting.objects.count() == 40
    assert Person.objects.count() == 60


def test_public_pages_answer_afterwards(client):
    run(*ARGS)
    meeting = Meeting.objects.published().select_related("series").first()
    for url in (reverse("home"), reverse("meetings:archive"), meeting.get_absolute_url()):
        assert client.get(url).status_code == 200, url
