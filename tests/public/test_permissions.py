"""Every URL of the site × every role, with the answer each must get (GET).

A URL without an entry in PERMISSIONS fails ``test_every_url_has_an_entry``, so no
new page ships without deciding who may see it. The admin's own pages are covered
by the rule in ``test_the_admin_is_for_staff_only``.
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from projects.models import GroupNote
from tests.factories import MembershipFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "user", "member", "staff", "superuser")
EVERYONE = dict.fromkeys(ROLES, 200)
LOGGED_IN = {"anonymous": 302, "user": 200, "member": 200, "staff": 200, "superuser": 200}
MEMBERS = {"anonymous": 404, "user": 404, "member": 200, "staff": 200, "superuser": 200}
LOGGED_OUT = {"anonymous": 200, "user": 302, "member": 302, "staff": 302, "superuser": 302}

# name -> (reverse args from the fixtures, expected answer per role)
PERMISSIONS = {
    "home": (None, EVERYONE),
    "health": (None, EVERYONE),
    "health_live": (None, EVERYONE),
    "meetings:archive": (None, EVERYONE),
    "meetings:feed": (None, EVERYONE),
    "meetings:search": (None, EVERYONE),
    "meetings:detail": (lambda f: [f["series"], f["date"]], EVERYONE),
    "meetings:series_list": (None, EVERYONE),
    "meetings:series_detail": (lambda f: [f["series"]], EVERYONE),
    "meetings:series_ics": (lambda f: [f["series"]], EVERYONE),
    "meetings:calendar": (None, EVERYONE),
    "meetings:calendar_ics": (None, EVERYONE),
    "meetings:working_group_ics": (lambda f: [f["group"]], EVERYONE),
    "projects:list": (None, EVERYONE),
    "projects:detail": (lambda f: [f["group"]], EVERYONE),
    "projects:notes": (lambda f: [f["group"]], MEMBERS),
    "projects:note_add": (lambda f: [f["group"]], MEMBERS),
    "projects:note_document": (lambda f: [f["group"], f["note"]], MEMBERS),
    "organisations:list": (None, EVERYONE),
    "organisations:detail": (lambda f: [f["organisation"]], EVERYONE),
    "people:login": (None, LOGGED_OUT),
    # GET shows a "log out?" button to the logged in; a visitor is sent home.
    "people:logout": (None, {**LOGGED_IN, "anonymous": 302}),
    "people:login_link": (None, EVERYONE),
    "people:login_link_sent": (None, EVERYONE),
    # A broken link gets a friendly "this link does not work" page, never an error.
    "people:login_link_confirm": (lambda f: ["MQ", "ogiltig"], EVERYONE),
    "people:invitation": (lambda f: ["MQ", "ogiltig"], EVERYONE),
    "people:password_reset": (None, EVERYONE),
    "people:password_reset_done": (None, EVERYONE),
    "people:password_reset_confirm": (lambda f: ["MQ", "ogiltig"], EVERYONE),
    "people:password_reset_complete": (None, EVERYONE),
    "people:my_page": (None, LOGGED_IN),
    "people:my_data": (None, LOGGED_IN),
    "people:my_data_export": (None, LOGGED_IN),
    # POST-only actions: a GET changes nothing.
    "people:notifications": (None, dict.fromkeys(ROLES, 302)),
    "people:notifications_off": (lambda f: ["MQ", "ogiltig"], dict.fromkeys(ROLES, 404)),
    "people:follow_group": (lambda f: [f["group"]], dict.fromkeys(ROLES, 405)),
    "people:follow_series": (lambda f: [f["series"]], dict.fromkeys(ROLES, 405)),
    "set_language": (None, dict.fromkeys(ROLES, 302)),  # Django's: GET redirects back
}


def all_url_names() -> set[str]:
    names = set()

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace != "admin":
                    walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_url_has_an_entry():
    assert all_url_names() == set(PERMISSIONS)


@pytest.fixture
def cast(world, staff_user):
    """A visitor, a user developer, a member of the group, a secretary and an administrator."""
    user = UserFactory(username="brukare")
    PersonFactory(name="Vanlig Användare", user=user)
    member = UserFactory(username="medlem")
    MembershipFactory(working_group=world.group, person=PersonFactory(name="Med Lem", user=member))
    return {
        "anonymous": None,
        "user": user,
        "member": member,
        "staff": staff_user,
        "superuser": UserFactory(username="chef", is_staff=True, is_superuser=True),
    }


@pytest.fixture
def fixtures(world):
    note = GroupNote.objects.create(working_group=world.group, title="Intern", body="Bara för oss")
    note.attachment.save("anteckning.txt", ContentFile(b"Hej gruppen"))
    return {
        "series": world.series.slug,
        "date": world.published.date.isoformat(),
        "group": world.group.slug,
        "organisation": world.association.slug,
        "note": note.pk,
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_role_as_expected(client, cast, fixtures, role):
    if cast[role]:
        client.force_login(cast[role])
    answers = {}
    for name, (args, expected) in PERMISSIONS.items():
        url = reverse(name, args=args(fixtures) if args else None)
        answers[name] = (client.get(url).status_code, expected[role])
    wrong = {name: got for name, got in answers.items() if got[0] != got[1]}
    assert wrong == {}, "(got, expected) per URL"


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 302), ("user", 302), ("member", 302), ("staff", 200), ("superuser", 200)],
)
def test_the_admin_is_for_staff_only(client, cast, role, expected):
    if cast[role]:
        client.force_login(cast[role])
    assert client.get(reverse("admin:index")).status_code == expected
    assert client.get(reverse("admin:meetings_meeting_changelist")).status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_following_by_post_needs_a_login(client, cast, fixtures, role):
    if cast[role]:
        client.force_login(cast[role])
    response = client.post(reverse("people:follow_group", args=[fixtures["group"]]))
    assert response.status_code == 302
    if role == "anonymous":
        assert response.url.startswith(reverse("people:login"))
    else:
        assert response.url == reverse("projects:detail", args=[fixtures["group"]])
