"""Getting an account and logging in: invitations, login links, passwords, logout and throttling."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from people.admin import PersonAdmin
from people.admin_actions import invite_people
from people.tokens import invitation_token, login_link_token
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "lösenord-för-test"  # what UserFactory gives everyone
NEW_PASSWORD = "Blåbärssoppa-vid-Bryggan-7"


@pytest.fixture(autouse=True)
def fresh_link_counters():
    """The link-request limit counts in the cache, which outlives a test's database."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def invite_action(monkeypatch):
    """The action as staff use it, from the people list, whether or not admin.py lists it yet."""
    monkeypatch.setattr(PersonAdmin, "actions", [invite_people])


def link_in(mail) -> str:
    """The path of the one-time link in an email."""
    return re.search(r"http://testserver(/konto/\S+/)", mail.body).group(1)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def logged_in_user_id(client):
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def main_of(response) -> str:
    return re.search(r"<main.*?</main>", response.content.decode(), re.S).group(0)


def invite(staff_client, *people):
    return staff_client.post(
        reverse("admin:people_person_changelist"),
        {"action": "invite_people", "_selected_action": [person.pk for person in people]},
        follow=True,
    )


def invitation_path(user, token=None) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("people:invitation", args=[uid, token or invitation_token.make_token(user)])


def login_link_path(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("people:login_link_confirm", args=[uid, login_link_token.make_token(user)])


def invited_user(email="anna@example.org"):
    user = User.objects.create(username=email, email=email)
    user.set_unusable_password()
    user.save()
    return user


# --- Invitations from the admin ---------------------------------------------------------


def test_the_invite_action_is_described_plainly():
    assert str(invite_people.short_description) == _("Invite to log in")


def test_inviting_sends_one_email_per_person_with_an_address_and_names_those_without(
    staff_client, invite_action, mailoutbox
):
    anna = PersonFactory(name="Anna Ek", email="Anna.Ek@Example.org")
    bo = PersonFactory(name="Bo Berg", email="bo@example.org")
    cia = PersonFactory(name="Cia Utan", email="")

    response = invite(staff_client, anna, bo, cia)

    assert response.status_code == 200
    assert sorted(mail.to[0] for mail in mailoutbox) == ["Anna.Ek@Example.org", "bo@example.org"]
    shown = " ".join(str(message) for message in response.context["messages"])
    assert "Anna Ek" in shown
    assert "Cia Utan" in shown
    cia.refresh_from_db()
    assert cia.user is None


def test_inviting_creates_an_account_with_the_email_as_username_and_no_password(
    staff_client, invite_action, mailoutbox
):
    anna = PersonFactory(email="Anna.Ek@Example.org")

    invite(staff_client, anna)

    anna.refresh_from_db()
    assert anna.user.username == "anna.ek@example.org"
    assert anna.user.email == "Anna.Ek@Example.org"
    assert anna.user.is_active
    assert not anna.user.has_usable_password()
    mail = mailoutbox[0]
    assert link_in(mail).startswith("/konto/inbjudan/")
    assert mail.subject == _("You are invited to Delaktig")
    assert "text/html" in [mimetype for _content, mimetype in mail.alternatives]


def test_inviting_reuses_the_account_a_person_already_has(staff_client, invite_action, mailoutbox):
    existing = UserFactory(username="bo@example.org")
    bo = PersonFactory(email="bo@example.org")
    linked = PersonFactory(email="cia@example.org", user=UserFactory(username="cia"))
    users_before = User.objects.count()

    invite(staff_client, bo, linked)

    bo.refresh_from_db()
    assert bo.user == existing
    assert existing.check_password(PASSWORD)  # an invitation does not take a password away
    assert User.objects.count() == users_before
    assert len(mailoutbox) == 2


def test_an_account_that_belongs_to_another_person_is_not_taken(
    staff_client, invite_action, mailoutbox
):
    PersonFactory(email="bo@example.org", user=UserFactory(username="bo@example.org"))
    namesake = PersonFactory(name="Bo Andra", email="bo@example.org")

    response = invite(staff_client, namesake)

    namesake.refresh_from_db()
    assert namesake.user is None
    assert mailoutbox == []
    assert "Bo Andra" in " ".join(str(m) for m in response.context["messages"])


# --- Following an invitation ------------------------------------------------------------


def test_the_invitation_link_shows_a_password_form_and_logs_in_only_when_used(client):
    user = invited_user()

    response = client.get(invitation_path(user))

    assert response.status_code == 200
    assert "new_password1" in response.context["form"].fields
    assert logged_in_user_id(client) is None


def test_choosing_a_password_logs_in_and_leads_to_my_pages(client):
    user = invited_user()

    response = client.post(
        invitation_path(user), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response.url == reverse("people:my_page")
    assert logged_in_user_id(client) == user.pk
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert messages_of(response) == [_("Your password is saved and you are logged in. Welcome!")]


def test_passwords_that_do_not_match_are_shown_next_to_the_field(client):
    user = invited_user()

    response = client.post(
        invitation_path(user), {"new_password1": NEW_PASSWORD, "new_password2": "annat"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    assert re.search(r'aria-describedby="[^"]*id_new_password2_error"', response.content.decode())
    assert logged_in_user_id(client) is None


def test_an_invited_person_can_log_in_without_choosing_a_password(client):
    user = invited_user()

    response = client.post(invitation_path(user), {"skip": "1"})

    assert response.url == reverse("people:my_page")
    assert logged_in_user_id(client) == user.pk


def test_an_invitation_link_works_only_once(client):
    user = invited_user()
    path = invitation_path(user)
    client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    client.logout()

    again = client.get(path)
    reused = client.post(
        path, {"new_password1": "Ny-gissning-123!", "new_password2": "Ny-gissning-123!"}
    )

    assert again.status_code == reused.status_code == 200
    assert "people/account/link_invalid.html" in [t.name for t in again.templates]
    assert logged_in_user_id(client) is None
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_an_expired_invitation_link_is_refused_kindly_with_a_way_to_get_a_new_one(client, settings):
    user = invited_user()
    path = invitation_path(user)
    settings.PASSWORD_RESET_TIMEOUT = -1

    response = client.get(path)

    assert response.status_code == 200
    assert "people/account/link_invalid.html" in [t.name for t in response.templates]
    assert f'action="{reverse("people:login_link")}"' in response.content.decode()


def test_a_login_link_token_does_not_work_as_an_invitation(client):
    user = invited_user()
    uid = urlsafe_base64_encode(force_bytes(user.pk))

    response = client.get(
        reverse("people:invitation", args=[uid, login_link_token.make_token(user)])
    )

    assert "people/account/link_invalid.html" in [t.name for t in response.templates]


@pytest.mark.parametrize(
    "path",
    [
        "/konto/inbjudan/abc/def/",
        "/konto/inbjudan/MQ/x-y/",
        "/konto/inbjudan/OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk/abc-def/",
        "/konto/lank/Zm9v/abc/",
        "/konto/lank/" + "A" * 3000 + "/x/",
        "/konto/nytt-losenord/abc/set-password/",
    ],
)
def test_broken_links_answer_a_friendly_page_not_an_error(client, path):
    UserFactory()
    response = client.get(path)
    assert response.status_code == 200
    assert logged_in_user_id(client) is None


def test_a_link_with_a_nul_byte_answers_a_friendly_400(client):
    response = client.get("/konto/inbjudan/%00/%00/")
    assert response.status_code == 400
    assert "Adressen fungerar inte" in response.content.decode()
    assert logged_in_user_id(client) is None


def test_a_switched_off_account_cannot_use_its_invitation(client):
    user = invited_user()
    path = invitation_path(user)
    user.is_active = False
    user.save()

    response = client.post(path, {"skip": "1"})

    assert "people/account/link_invalid.html" in [t.name for t in response.templates]
    assert logged_in_user_id(client) is None


# --- Login links by email ---------------------------------------------------------------


def test_asking_for_a_link_answers_the_same_for_known_and_unknown_addresses(client, mailoutbox):
    UserFactory(username="anna", email="anna@example.org")
    url = reverse("people:login_link")

    known = client.post(url, {"email": "Anna@Example.org"}, follow=True)
    unknown = client.post(url, {"email": "nobody@example.org"}, follow=True)

    assert (
        known.redirect_chain == unknown.redirect_chain == [(reverse("people:login_link_sent"), 302)]
    )
    assert main_of(known) == main_of(unknown)
    assert [mail.to for mail in mailoutbox] == [["anna@example.org"]]
    assert mailoutbox[0].subject == _("Your login link to Delaktig")


DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def sql_shapes(queries) -> list[str]:
    """The statements without their values, which differ by email, time and task id."""
    return [re.sub(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b", "?", query["sql"]) for query in queries]


# A real commit: the task row is written when the request's transaction commits, and the
# worker closes its database connections between tasks, as it does in production.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("view_name", "subject"),
    [
        ("people:login_link", "Your login link to Delaktig"),
        ("people:password_reset", "Choose a new password for Delaktig"),
    ],
)
def test_a_link_request_does_the_same_work_for_known_and_unknown_addresses(
    client, mailoutbox, settings, view_name, subject
):
    """Nothing in the request depends on whether the address is known, so neither the
    answer nor its timing can tell; the worker looks the address up and sends the mail."""
    settings.TASKS = DATABASE_TASKS
    UserFactory(username="anna", email="anna@example.org")
    url = reverse(view_name)

    answers, shapes = [], []
    for email in ["anna@example.org", "nobody@example.org"]:
        with CaptureQueriesContext(connection) as queries:
            answers.append(client.post(url, {"email": email}))
        shapes.append(sql_shapes(queries.captured_queries))

    assert answers[0].status_code == answers[1].status_code == 302
    assert answers[0].url == answers[1].url
    assert shapes[0] == shapes[1]
    assert not any("auth_user" in statement for statement in shapes[0])
    assert mailoutbox == []  # nothing is sent inside the request

    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)

    assert [mail.to for mail in mailoutbox] == [["anna@example.org"]]
    assert mailoutbox[0].subject == _(subject)


def test_switched_off_accounts_get_no_login_link(client, mailoutbox):
    UserFactory(email="anna@example.org", is_active=False)

    client.post(reverse("people:login_link"), {"email": "anna@example.org"})

    assert mailoutbox == []


def test_a_person_without_a_password_can_get_a_login_link(client, mailoutbox):
    invited_user("anna@example.org")

    client.post(reverse("people:login_link"), {"email": "anna@example.org"})

    assert len(mailoutbox) == 1


def test_a_login_link_shows_a_button_and_does_not_log_in_by_itself(client, mailoutbox):
    UserFactory(email="anna@example.org")
    client.post(reverse("people:login_link"), {"email": "anna@example.org"})
    path = link_in(mailoutbox[0])

    response = client.get(path)
    client.get(path)  # a mail scanner opening the link first changes nothing

    assert response.status_code == 200
    content = main_of(response)
    assert '<form method="post">' in content
    assert "csrfmiddlewaretoken" in content
    assert logged_in_user_id(client) is None


def test_pressing_the_button_logs_in_and_the_link_then_stops_working(client, mailoutbox):
    user = UserFactory(email="anna@example.org")
    client.post(reverse("people:login_link"), {"email": "anna@example.org"})
    path = link_in(mailoutbox[0])

    response = client.post(path)

    assert response.url == reverse("people:my_page")
    assert logged_in_user_id(client) == user.pk
    assert messages_of(response) == [_("You are logged in.")]

    client.logout()
    second = client.post(path)
    assert second.status_code == 200
    assert "people/account/link_invalid.html" in [t.name for t in second.templates]
    assert logged_in_user_id(client) is None


def test_the_login_button_needs_the_csrf_token(mailoutbox):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    user = UserFactory()

    response = client.post(login_link_path(user))

    assert response.status_code == 403
    assert logged_in_user_id(client) is None


def test_a_sixth_link_request_in_an_hour_from_one_address_is_refused(client, mailoutbox):
    UserFactory(email="anna@example.org")
    url = reverse("people:login_link")
    for number in range(5):
        assert client.post(url, {"email": f"someone{number}@example.org"}).status_code == 302

    response = client.post(url, {"email": "anna@example.org"})

    assert response.status_code == 429
    assert _("Too many requests") in response.content.decode()
    assert mailoutbox == []


def test_a_sixth_link_request_in_an_hour_for_one_email_is_refused_from_any_address(
    client, mailoutbox
):
    UserFactory(email="anna@example.org")
    url = reverse("people:login_link")
    for number in range(5):
        client.post(url, {"email": "ANNA@example.org"}, REMOTE_ADDR=f"10.0.0.{number}")

    response = client.post(url, {"email": "anna@example.org"}, REMOTE_ADDR="10.0.1.1")

    assert response.status_code == 429
    assert len(mailoutbox) == 5


def test_password_reset_requests_count_towards_the_same_limit(client, mailoutbox):
    for _number in range(5):
        client.post(reverse("people:login_link"), {"email": "anna@example.org"})

    response = client.post(reverse("people:password_reset"), {"email": "anna@example.org"})

    assert response.status_code == 429


def test_a_mistyped_address_is_shown_next_to_the_field_and_not_counted(client):
    url = reverse("people:login_link")
    for _number in range(6):
        response = client.post(url, {"email": "inte en adress"})

    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert re.search(r'aria-describedby="[^"]*id_email_error"', response.content.decode())


# --- Password login and logout ----------------------------------------------------------


def test_the_login_page_asks_for_the_email_address_and_offers_a_link_instead(client):
    response = client.get(reverse("people:login"))

    content = main_of(response)
    assert response.status_code == 200
    assert content.count("<h1") == 1
    label = re.search(r'<label\s+for="id_username"[^>]*>(.*?)<', content, re.S).group(1)
    assert label.strip() == _("Email address")
    assert reverse("people:login_link") in content
    assert reverse("people:password_reset") in content


def test_logging_in_with_the_email_address_works_in_any_case(client):
    user = UserFactory(username="anna@example.org")

    response = client.post(
        reverse("people:login"), {"username": " Anna@Example.org ", "password": PASSWORD}
    )

    assert response.url == reverse("people:my_page")
    assert logged_in_user_id(client) == user.pk
    assert messages_of(response) == [_("You are logged in.")]


def test_a_wrong_password_says_so_plainly(client):
    UserFactory(username="anna@example.org")

    response = client.post(
        reverse("people:login"), {"username": "anna@example.org", "password": "fel"}
    )

    assert response.status_code == 200
    assert logged_in_user_id(client) is None
    assert response.context["form"].non_field_errors() == [
        _("The email address or the password is wrong. Try again, or get a login link by email.")
    ]


def test_the_login_page_goes_back_to_where_the_person_was_going(client):
    UserFactory(username="anna@example.org")

    response = client.post(
        reverse("people:login") + "?next=/arbetsgrupper/",
        {"username": "anna@example.org", "password": PASSWORD, "next": "/arbetsgrupper/"},
    )

    assert response.url == "/arbetsgrupper/"


def test_logging_out_is_a_button_and_says_what_happened(client):
    user = UserFactory()
    client.force_login(user)

    page = client.get(reverse("people:logout"))
    assert page.status_code == 200
    assert logged_in_user_id(client) == user.pk  # opening the page does not log out

    response = client.post(reverse("people:logout"))

    assert response.url == reverse("home")
    assert logged_in_user_id(client) is None
    assert messages_of(response) == [_("You are logged out.")]


def test_the_account_menu_offers_login_or_my_pages_and_logout():
    factory = RequestFactory()
    anonymous = factory.get("/")
    from django.contrib.auth.models import AnonymousUser

    anonymous.user = AnonymousUser()
    logged_in = factory.get("/")
    logged_in.user = UserFactory()

    menu_for_visitor = render_to_string("partials/_account_menu.html", request=anonymous)
    menu_for_member = render_to_string("partials/_account_menu.html", request=logged_in)

    assert reverse("people:login") in menu_for_visitor
    assert reverse("people:logout") not in menu_for_visitor
    assert reverse("people:my_page") in menu_for_member
    assert f'action="{reverse("people:logout")}" method="post"' in menu_for_member
    assert "csrfmiddlewaretoken" in menu_for_member


def test_the_messages_partial_shows_each_message_with_its_level(client):
    from django.contrib.messages.storage.fallback import FallbackStorage

    request = RequestFactory().get("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    request._messages.add(25, "Sparat.")
    request._messages.add(40, "Fel.")

    html = render_to_string("partials/_messages.html", request=request)

    assert '<div class="alert alert-success" role="status">Sparat.</div>' in html
    assert '<div class="alert alert-danger" role="alert">Fel.</div>' in html


# --- Password reset ---------------------------------------------------------------------


def test_a_password_reset_sets_a_new_password_logs_in_and_cannot_be_reused(client, mailoutbox):
    user = UserFactory(email="anna@example.org")

    sent = client.post(reverse("people:password_reset"), {"email": "Anna@example.org"})
    assert sent.url == reverse("people:password_reset_done")
    mail = mailoutbox[0]
    assert mail.subject == _("Choose a new password for Delaktig")
    assert "text/html" in [mimetype for _content, mimetype in mail.alternatives]
    path = link_in(mail)

    form_page = client.get(path, follow=True)
    assert form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assert done.redirect_chain[-1][0] == reverse("people:password_reset_complete")
    assert logged_in_user_id(client) == user.pk
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    client.logout()
    again = client.get(path, follow=True)
    assert again.status_code == 200
    assert again.context["validlink"] is False


def test_a_password_reset_for_an_unknown_address_answers_the_same_and_sends_nothing(
    client, mailoutbox
):
    UserFactory(email="anna@example.org")
    url = reverse("people:password_reset")

    known = client.post(url, {"email": "anna@example.org"}, follow=True)
    unknown = client.post(url, {"email": "nobody@example.org"}, follow=True)

    assert main_of(known) == main_of(unknown)
    assert len(mailoutbox) == 1


def test_an_invited_person_without_a_password_can_choose_one_by_reset(client, mailoutbox):
    invited_user("anna@example.org")

    client.post(reverse("people:password_reset"), {"email": "anna@example.org"})

    assert len(mailoutbox) == 1


# --- Protection against guessing (django-axes) ------------------------------------------


def test_after_five_wrong_passwords_even_the_right_one_is_refused(client):
    UserFactory(username="anna@example.org")
    url = reverse("people:login")
    for _number in range(5):
        client.post(url, {"username": "anna@example.org", "password": "fel"})

    response = client.post(url, {"username": "anna@example.org", "password": PASSWORD})

    assert response.status_code == 429
    assert "people/account/locked_out.html" in [t.name for t in response.templates]
    assert logged_in_user_id(client) is None


def test_wrong_passwords_for_many_accounts_from_one_address_are_throttled(client):
    UserFactory(username="anna@example.org")
    url = reverse("people:login")
    for number in range(5):
        client.post(url, {"username": f"gissning{number}@example.org", "password": "fel"})

    response = client.post(url, {"username": "anna@example.org", "password": PASSWORD})

    assert response.status_code == 429
    assert logged_in_user_id(client) is None


def test_wrong_passwords_from_one_address_lock_out_that_address_only(client):
    """An attacker who knows a staff member's username must not be able to lock that
    person out: the lockout holds the attacker's address, not the account."""
    UserFactory(username="anna@example.org")
    url = reverse("people:login")
    for _number in range(5):
        client.post(
            url, {"username": "ANNA@example.org", "password": "fel"}, REMOTE_ADDR="10.0.0.66"
        )
    attacker = client.post(
        url, {"username": "anna@example.org", "password": PASSWORD}, REMOTE_ADDR="10.0.0.66"
    )
    assert attacker.status_code == 429

    response = client.post(
        url, {"username": "anna@example.org", "password": PASSWORD}, REMOTE_ADDR="10.0.1.1"
    )

    assert response.status_code == 302
    assert logged_in_user_id(client) is not None
