"""No input a visitor can send breaks a page: a cleaned result or a friendly 404, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ODD_VALUES = [
    "abc",
    "-1",
    "999999",
    "2017.5",
    "x" * 10_000,
    "' OR 1=1 --",
    "'; DROP TABLE meetings_meeting; --",
    '<script>alert("x")</script>',
    '"><img src=x onerror=alert(1)>',
    "\x00",
    "%00",
    "😀 Ångström Ω \u202e",
    "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
]
FILTERS = ["q", "series", "year", "working_group", "organisation"]


@pytest.mark.parametrize("name", FILTERS)
@pytest.mark.parametrize("value", ODD_VALUES)
def test_odd_filter_values_give_a_clean_archive_page(client, world, name, value):
    response = client.get(reverse("meetings:archive"), {name: value})
    # A NUL byte is refused before any view (config.middleware.RefuseNulMiddleware): no
    # browser sends one, and PostgreSQL cannot store it. Everything else is a clean page.
    assert response.status_code == (400 if "\x00" in value else 200)
    content = response.content.decode()
    assert "<script>alert" not in content
    assert "<img src=x" not in content


@pytest.mark.parametrize("page", ["-1", "0", "abc", "99999", "1.5", "x" * 5000])
def test_a_page_number_out_of_range_answers_a_friendly_404(client, world, page):
    response = client.get(reverse("meetings:archive"), {"page": page})
    assert response.status_code == 404
    assert "Vi hittar inte sidan" in response.content.decode()


@pytest.mark.parametrize("page", ["-1", "abc", "99999"])
def test_the_working_group_timeline_pages_answer_404_when_out_of_range(client, world, page):
    response = client.get(world.group.get_absolute_url(), {"page": page})
    assert response.status_code == 404


def test_unknown_series_value_keeps_the_other_filters(client, world):
    response = client.get(reverse("meetings:archive"), {"series": "finns-inte", "q": "Öppen"})
    assert [m.pk for m in response.context["object_list"]] == [world.published.pk]
    assert "series" in response.context["filter"].form.errors


@pytest.mark.parametrize(
    "path",
    [
        "/protokoll/gemensam-utvecklingsgrupp/2017-02-31/",
        "/protokoll/gemensam-utvecklingsgrupp/0000-00-00/",
        "/protokoll/finns-inte/2017-01-23/",
        "/protokoll/gemensam-utvecklingsgrupp/9999-99-99/",
        "/arbetsgrupper/finns-inte/",
        "/organisationer/finns-inte/",
        "/moten/finns-inte/",
        "/moten/finns-inte/kalender.ics",
        "/arbetsgrupper/finns-inte/kalender.ics",
        "/protokoll/%3Cscript%3E/2017-01-23/",
    ],
)
def test_unknown_addresses_answer_404(client, world, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "<script>" not in response.content.decode()


def test_the_500_page_is_friendly_swedish_and_standalone():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Något gick fel" in html
    assert "{%" not in html
