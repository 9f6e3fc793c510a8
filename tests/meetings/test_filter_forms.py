"""The filter fields of the archive and the search, rendered without widget templates."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from meetings.filters import MeetingArchiveFilter
from tests.factories import MeetingSeriesFactory

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
