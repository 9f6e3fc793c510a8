"""Every public URL shows only published content, and people only at their publication level.

The table below must name every URL of the public site: a new URL without an entry
fails ``test_every_public_url_is_in_the_table``.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.public.conftest import INITIALS_NAME, OFFICIAL_NAME, PRIVATE_NAME, SECRET

pytestmark = pytest.mark.django_db

PUBLIC_NAMESPACES = {"meetings", "projects", "organisations"}

# url name -> function(world) giving reverse() args, or None for no args
PUBLIC_URLS = {
    "home": None,
    "health": None,
    "health_live": None,
    "meetings:archive": None,
    "meetings:feed": None,
    "meetings:search": None,
    "meetings:detail": lambda w: [w.series.slug, w.published.date.isoformat()],
    "meetings:series_list": None,
    "meetings:series_detail": lambda w: [w.series.slug],
    "meetings:series_ics": lambda w: [w.series.slug],
    "meetings:calendar": None,
    "meetings:calendar_ics": None,
    "meetings:working_group_ics": lambda w: [w.group.slug],
    "projects:list": None,
    "projects:detail": lambda w: [w.group.slug],
    "organisations:list": None,
    "organisations:detail": lambda w: [w.association.slug],
}


def main_content(response) -> str:
    """What the visitor reads: the page's <main> and <title>, not its address or form tokens."""
    html = response.content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    return title + re.search(r"<main.*?</main>", html, re.S).group(0)


def public_url_names() -> set[str]:
    names = set()

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in PUBLIC_NAMESPACES:
                    walk(pattern.url_patterns, pattern.namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns)
    return names


# Members-only pages answer 404 to visitors: tests/projects/test_group_notes.py.
MEMBERS_ONLY_URLS = {"projects:notes", "projects:note_add", "projects:note_document"}
# Shows nothing: sets the language and redirects (tests/config/test_i18n.py).
NOT_PAGES = {"set_language"}


def test_every_public_url_is_in_the_table():
    assert public_url_names() == set(PUBLIC_URLS) | MEMBERS_ONLY_URLS | NOT_PAGES


def every_public_page(world) -> list[str]:
    urls = [reverse(name, args=args(world) if args else None) for name, args in PUBLIC_URLS.items()]
    archive = reverse("meetings:archive")
    search = reverse("meetings:search")
    urls += [f"{search}?q=beslut", f"{search}?q={SECRET.lower()}", f"{search}?q=Fritidsbank"]
    urls += [
        f"{archive}?q=beslut",
        f"{archive}?q=%C3%96ppen",
        f"{archive}?working_group=fritidsbank",
    ]
    urls += [
        f"{archive}?organisation=vorta-drom",
        reverse("organisations:detail", args=["socialforvaltningen"]),
    ]
    return urls


def test_visitors_never_see_unpublished_protocols_anywhere(client, world):
    for url in every_public_page(world):
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url


@pytest.mark.parametrize("which", ["draft", "approved"])
def test_an_unpublished_protocol_answers_404_like_a_page_that_does_not_exist(client, world, which):
    meeting = getattr(world, which)
    response = client.get(meeting.get_absolute_url())
    missing = client.get(reverse("meetings:detail", args=[world.series.slug, "1999-01-01"]))
    assert response.status_code == 404
    assert main_content(response) == main_content(missing)


def test_a_planned_meetings_protocol_answers_404_but_the_meeting_is_announced(client, world):
    assert client.get(world.planned.get_absolute_url()).status_code == 404
    calendar = client.get(reverse("meetings:calendar")).content.decode()
    assert "Bryggan, stora salen" in calendar


def test_staff_can_preview_an_unpublished_protocol(client, world, staff_user):
    client.force_login(staff_user)
    response = client.get(world.draft.get_absolute_url())
    assert response.status_code == 200
    assert SECRET in response.content.decode()


def test_people_appear_only_at_their_publication_level_everywhere(client, world):
    for url in every_public_page(world):
        content = client.get(url).content.decode()
        assert PRIVATE_NAME not in content, url
        assert "Signe" not in content, url
        assert INITIALS_NAME not in content, url
        assert "Ingrid" not in content, url


def test_the_protocol_shows_each_person_by_their_level(client, world):
    content = client.get(world.published.get_absolute_url()).content.decode()
    assert "Deltagare, Vorta Drom" in content  # the private person, as the snapshot's organisation
    assert "I. I." in content
    assert OFFICIAL_NAME in content


def test_an_official_is_named_and_others_are_not_on_the_group_page(client, world):
    content = client.get(world.group.get_absolute_url()).content.decode()
    assert OFFICIAL_NAME in content
    assert "I. I." in content
    assert "Brukarutvecklare, Vorta Drom" in content


def test_titles_and_meta_tags_hold_no_names(client, world):
    content = client.get(world.published.get_absolute_url()).content.decode()
    head = content.split("</head>")[0]
    for name in (PRIVATE_NAME, INITIALS_NAME, OFFICIAL_NAME):
        assert name not in head
    assert 'property="og:title"' in head
    assert 'name="description"' in head


def test_searching_for_words_of_an_unpublished_protocol_finds_nothing(client, world):
    response = client.get(reverse("meetings:archive"), {"q": SECRET})
    assert response.context["paginator"].count == 0
    assert list(response.context["object_list"]) == []


def test_the_archive_counts_only_published_protocols(client, world):
    response = client.get(reverse("meetings:archive"), {"q": "beslut"})
    assert [m.pk for m in response.context["object_list"]] == [world.published.pk]


def test_search_finds_published_protocols_and_nothing_unpublished(client, world):
    response = client.get(reverse("meetings:search"), {"q": SECRET.lower()})
    assert response.context["page_obj"].paginator.count == 0
    results = client.get(reverse("meetings:search"), {"q": "öppen"}).context["results"]
    meetings = {entry.meeting for entry in results if entry.meeting}
    assert meetings == {world.published}
