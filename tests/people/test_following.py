"""Follow a working group or a meeting series with one button, without JavaScript."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.template import RequestContext, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from people.models import Follow
from people.services import follow_exists, follow_toggle
from tests.factories import MeetingSeriesFactory, OrganisationFactory, UserFactory
from tests.factories import WorkingGroupFactory as GroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings):
    """The tests read the English source strings, whatever the Swedish catalog says."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def group():
    return GroupFactory(name="Fritidsbank", slug="fritidsbank")


@pytest.fixture
def series():
    return MeetingSeriesFactory(name="Gemensam utvecklingsgrupp", slug="gemensam")


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_following_a_group_and_stopping_again(user_client, user, group):
    url = reverse("people:follow_group", args=[group.slug])

    response = user_client.post(url)
    assert response.status_code == 302
    assert response.url == group.get_absolute_url()
    assert Follow.objects.filter(user=user, working_group=group).count() == 1
    assert messages_of(response) == ["You now follow Fritidsbank."]

    response = user_client.post(url)
    assert response.url == group.get_absolute_url()
    assert not Follow.objects.filter(user=user).exists()
    assert messages_of(response)[-1] == "You no longer follow Fritidsbank."


def test_following_a_series_and_stopping_again(user_client, user, series):
    url = reverse("people:follow_series", args=[series.slug])

    response = user_client.post(url)
    assert response.url == series.get_absolute_url()
    assert Follow.objects.get(user=user).series == series
    assert messages_of(response) == ["You now follow Gemensam utvecklingsgrupp."]

    user_client.post(url)
    assert not Follow.objects.exists()


def test_the_addresses_are_the_swedish_ones(group, series):
    assert reverse("people:follow_group", args=[group.slug]) == "/folj/arbetsgrupp/fritidsbank/"
    assert reverse("people:follow_series", args=[series.slug]) == "/folj/moten/gemensam/"


def test_one_user_following_does_not_change_another(user_client, group):
    other = UserFactory()
    Follow.objects.create(user=other, working_group=group)

    user_client.post(reverse("people:follow_group", args=[group.slug]))

    assert Follow.objects.filter(working_group=group).count() == 2


@pytest.mark.parametrize("name", ["people:follow_group", "people:follow_series"])
def test_get_changes_nothing(user_client, group, series, name):
    response = user_client.get(
        reverse(name, args=["fritidsbank" if "group" in name else "gemensam"])
    )

    assert response.status_code == 405
    assert not Follow.objects.exists()


def test_a_visitor_is_sent_to_login_and_back_to_the_page(client, group):
    response = client.post(reverse("people:follow_group", args=[group.slug]))

    assert response.status_code == 302
    assert response.url == f"{reverse('people:login')}?next={group.get_absolute_url()}"
    assert not Follow.objects.exists()


@pytest.mark.parametrize("name", ["people:follow_group", "people:follow_series"])
def test_an_unknown_slug_is_404(user_client, name):
    assert user_client.post(reverse(name, args=["finns-inte"])).status_code == 404


def test_back_can_only_lead_to_my_page(user_client, group):
    url = reverse("people:follow_group", args=[group.slug])

    assert user_client.post(url, {"back": "my_page"}).url == reverse("people:my_page")
    for evil in ("https://evil.example.org/", "//evil.example.org", "/admin/"):
        assert user_client.post(url, {"back": evil}).url == group.get_absolute_url()


def test_the_form_needs_its_csrf_token(user, group):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post(reverse("people:follow_group", args=[group.slug]))

    assert response.status_code == 403
    assert not Follow.objects.exists()


def test_the_service_toggles_and_refuses_other_things(user, group, series):
    assert follow_toggle(user=user, target=group) is True
    assert follow_exists(user=user, target=group) is True
    assert follow_exists(user=user, target=series) is False
    assert follow_toggle(user=user, target=group) is False
    assert follow_exists(user=user, target=group) is False
    assert follow_exists(user=AnonymousUser(), target=group) is False
    with pytest.raises(TypeError):
        follow_toggle(user=user, target=OrganisationFactory())


def render_button(user, target, arguments: str = "") -> str:
    request = RequestFactory().get(target.get_absolute_url())
    request.user = user
    template = Template("{% load following %}{% follow_button target " + arguments + " %}")
    with translation.override("en"):
        return template.render(RequestContext(request, {"target": target}))


def test_the_button_says_follow_in_a_post_form_with_csrf(user, group, django_assert_num_queries):
    with django_assert_num_queries(1):
        html = render_button(user, group)

    assert 'method="post"' in html
    assert f'action="{reverse("people:follow_group", args=[group.slug])}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert ">Follow<" in html
    assert "Stop following" not in html
    assert '<span class="visually-hidden"> Fritidsbank</span>' in html


def test_the_button_says_stop_following_to_a_follower(user, series, django_assert_num_queries):
    Follow.objects.create(user=user, series=series)

    with django_assert_num_queries(1):
        html = render_button(user, series)

    assert "Stop following" in html
    assert f'action="{reverse("people:follow_series", args=[series.slug])}"' in html


def test_a_visitor_gets_a_login_link_and_no_query(group, django_assert_num_queries):
    with django_assert_num_queries(0):
        html = render_button(AnonymousUser(), group)

    assert "<form" not in html
    assert "Log in to follow" in html
    assert f'href="{reverse("people:login")}?next=/arbetsgrupper/fritidsbank/"' in html


def test_a_known_state_costs_no_query(user, group, django_assert_num_queries):
    with django_assert_num_queries(0):
        html = render_button(user, group, 'following=True back="my_page"')

    assert "Stop following" in html
    assert '<input type="hidden" name="back" value="my_page">' in html


def test_the_button_works_end_to_end_without_javascript(user, group):
    """Render the button, then submit the form exactly as a browser without JavaScript would."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(reverse("people:my_page"))  # sets the CSRF cookie, like any page
    token = client.cookies["csrftoken"].value

    response = client.post(
        reverse("people:follow_group", args=[group.slug]), {"csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302
    assert Follow.objects.filter(user=user, working_group=group).exists()
