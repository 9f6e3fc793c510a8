"""The filter fields of the archive and the search, rendered without widget templates."""

from __future__ import annotations

import datetime

import pytest
from django.template import Context, Template
from django.utils import timezone

from meetings.filters import MeetingArchiveFilter
from meetings.models import Meeting
from tests.factories import (
    MeetingFactory,
    MeetingSeriesFactory,
    OrganisationFactory,
    WorkingGroupFactory,
)

pytestmark = pytest.mark.django_db


def render(data: dict) -> str:
    filterset = MeetingArchiveFilter(data)
    filterset.is_valid()
    template = Template(
        "{% load filter_forms %}{% for field in form %}{% filter_field field %}{% endfor %}"
    )
    return template.render(Context({"form": filterset.form}))


def test_labels_options_and_the_chosen_value():
    MeetingSeriesFactory(name="Nätverk <b>", slug="natverk")
    MeetingSeriesFactory(name="Styrgrupp", slug="styrgrupp")
    html = render({"series": "styrgrupp", "q": 'möte "x"'})
    assert '<label class="form-label" for="id_series">Mötesgrupp</label>' in html
    assert '<option value="styrgrupp" selected>Styrgrupp</option>' in html
    assert '<option value="natverk">Nätverk &lt;b&gt;</option>' in html
    assert '<option value="">Alla mötesgrupper</option>' in html
    assert 'type="search" id="id_q" name="q" value="möte &quot;x&quot;" maxlength="200"' in html


def test_an_invalid_value_is_marked_and_explained():
    html = render({"series": "finns-inte"})
    assert '<select class="form-select is-invalid" id="id_series" name="series">' in html
    assert '<div class="invalid-feedback d-block">' in html
    series_select = html.split('name="series">')[1].split("</select>")[0]
    assert " selected" not in series_select


def test_the_options_are_every_row_by_name_and_the_years_with_protocols():
    MeetingSeriesFactory(name="Styrgrupp", slug="styrgrupp")
    MeetingSeriesFactory(name="Arbetsmöte & fika", slug="arbetsmote")
    WorkingGroupFactory(name="Fyren", slug="fyren")
    OrganisationFactory(name="RSMH", slug="rsmh")
    MeetingFactory(
        date=datetime.date(2023, 2, 1),
        protocol_state=Meeting.ProtocolState.PUBLISHED,
        published_at=timezone.now(),
    )
    html = render({})

    series = html.split('name="series">')[1].split("</select>")[0]
    assert series.index("Arbetsmöte &amp; fika") < series.index("Styrgrupp")
    assert '<option value="arbetsmote">Arbetsmöte &amp; fika</option>' in series
    assert '<option value="fyren">Fyren</option>' in html
    assert '<option value="rsmh">RSMH</option>' in html
    years = html.split('name="year">')[1].split("</select>")[0]
    assert years == '<option value="" selected>Alla år</option><option value="2023">2023</option>'


def test_a_chosen_row_is_validated_against_the_database():
    WorkingGroupFactory(name="Fyren", slug="fyren")
    filterset = MeetingArchiveFilter({"working_group": "fyren", "year": "1999"})
    assert filterset.is_valid() is False
    assert filterset.form.cleaned_data["working_group"].slug == "fyren"
    assert "year" in filterset.form.errors
