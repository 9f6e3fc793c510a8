"""PublishedCount: the archive's per series and year counts stay exact on every change."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.utils import timezone

from meetings.models import Meeting, PublishedCount
from tests.factories import MeetingFactory, MeetingSeriesFactory

pytestmark = pytest.mark.django_db


def published(**fields) -> Meeting:
    return MeetingFactory(
        protocol_state=Meeting.ProtocolState.PUBLISHED, published_at=timezone.now(), **fields
    )


def stored() -> set[tuple[int, int, int]]:
    return set(PublishedCount.objects.values_list("series_id", "year", "count"))


def counted() -> set[tuple[int, int, int]]:
    rows = (
        Meeting.objects.published()
        .annotate(year=ExtractYear("date"))
        .values_list("series_id", "year")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return set(rows)


def test_every_change_to_a_meeting_keeps_the_counts_exact():
    styrgrupp, natverk = MeetingSeriesFactory(), MeetingSeriesFactory()
    first = published(series=styrgrupp, date=datetime.date(2023, 3, 1))
    second = published(series=styrgrupp, date=datetime.date(2023, 9, 1))
    draft = MeetingFactory(series=natverk, date=datetime.date(2024, 1, 10))
    assert stored() == counted() == {(styrgrupp.pk, 2023, 2)}

    draft.protocol_state = Meeting.ProtocolState.PUBLISHED
    draft.published_at = timezone.now()
    draft.save()  # published
    second.date = datetime.date(2022, 12, 31)
    second.save()  # moved to another year
    first.series = natverk
    first.save()  # moved to another series
    assert stored() == counted()
    assert stored() == {(natverk.pk, 2024, 1), (natverk.pk, 2023, 1), (styrgrupp.pk, 2022, 1)}

    draft.protocol_state = Meeting.ProtocolState.DRAFT
    draft.save()  # unpublished
    second.delete()
    assert stored() == counted() == {(natverk.pk, 2023, 1)}


def test_years_and_counts_by_year_newest_first():
    styrgrupp, natverk = MeetingSeriesFactory(), MeetingSeriesFactory()
    for day in ["2019-12-31", "2019-01-01", "2021-06-10"]:
        published(series=styrgrupp, date=datetime.date.fromisoformat(day))
    published(series=natverk, date=datetime.date(2021, 3, 1))
    MeetingFactory(series=natverk, date=datetime.date(2025, 5, 5))  # a draft: not counted

    assert PublishedCount.objects.years() == [2021, 2019]
    assert PublishedCount.objects.by_year() == [(2021, 2), (2019, 2)]
    assert PublishedCount.objects.by_year(series=styrgrupp) == [(2021, 1), (2019, 2)]
    assert PublishedCount.objects.by_year(year=2019) == [(2019, 2)]
    assert PublishedCount.objects.by_year(series=natverk, year=2019) == []


def test_recount_rebuilds_what_bulk_writes_left_out():
    series = MeetingSeriesFactory()
    published(series=series, date=datetime.date(2020, 2, 2))
    Meeting.objects.update(protocol_state=Meeting.ProtocolState.DRAFT)  # sends no signal
    assert stored() != counted()

    PublishedCount.objects.recount()
    assert stored() == counted() == set()
