import pytest
from django.urls import reverse

from tests.factories import AffiliationFactory, PersonFactory
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def test_a_person_page_costs_the_same_queries_for_1_or_20_affiliations(staff_client):
    one, many = PersonFactory(), PersonFactory()
    AffiliationFactory(person=one)
    AffiliationFactory.create_batch(20, person=many)

    def page(person):
        return reverse("admin:people_person_change", args=[person.pk])

    assert count_queries(staff_client, page(many)) == count_queries(staff_client, page(one))


def test_the_people_list_shows_how_each_person_appears_publicly(staff_client):
    AffiliationFactory(person=PersonFactory(name="Sven Ek"), role="brukarutvecklare")
    response = staff_client.get(reverse("admin:people_person_changelist"))
    assert "Brukarutvecklare, " in response.content.decode()


def test_the_people_list_costs_the_same_queries_for_1_or_40_people(staff_client):
    AffiliationFactory()
    url = reverse("admin:people_person_changelist")
    few = count_queries(staff_client, url)
    AffiliationFactory.create_batch(39)
    assert count_queries(staff_client, url) == few
