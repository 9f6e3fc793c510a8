import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from tests.factories import (
    ActionItemFactory,
    AffiliationFactory,
    AttendanceFactory,
    OrganisationFactory,
)

pytestmark = pytest.mark.django_db


def test_an_organisation_has_aliases_and_a_parent():
    ria = OrganisationFactory(name="Ria / Hela människan", aliases="Café Ria\nRia")
    g7 = OrganisationFactory(name="G7", parent=ria)

    assert ria.alias_list == ["Café Ria", "Ria"]
    assert list(ria.children.all()) == [g7]


def test_slugs_are_unique():
    OrganisationFactory(slug="bryggan")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationFactory(slug="bryggan")


def test_an_organisation_assigned_an_action_item_cannot_be_deleted():
    organisation = OrganisationFactory(name="Arbetsmarknadsförvaltningen")
    action = ActionItemFactory(text="Ta upp frågan om mandat i ledningen.")
    action.assigned_organisations.add(organisation)

    with pytest.raises(ProtectedError):
        organisation.delete()
    assert action.assigned_organisations.get() == organisation


def test_an_organisation_named_in_an_attendance_list_cannot_be_deleted():
    organisation = OrganisationFactory()
    AttendanceFactory().organisations.add(organisation)

    with pytest.raises(ProtectedError):
        organisation.delete()


def test_an_organisation_with_people_cannot_be_deleted():
    affiliation = AffiliationFactory()
    with pytest.raises(ProtectedError):
        affiliation.organisation.delete()


def test_a_parent_organisation_cannot_be_deleted_while_it_has_parts():
    ria = OrganisationFactory()
    OrganisationFactory(parent=ria)
    with pytest.raises(ProtectedError):
        ria.delete()
