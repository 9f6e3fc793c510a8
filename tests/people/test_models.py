import datetime

import pytest
from django.db import IntegrityError, transaction

from meetings.policy import initials_of, person_public_name, public_label
from organisations.models import Organisation
from people.models import PublicationLevel
from tests.factories import AffiliationFactory, OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_municipal_officials_are_published_with_full_name_by_default():
    department = OrganisationFactory(
        name="Socialförvaltningen", kind=Organisation.Kind.MUNICIPAL_DEPARTMENT
    )
    official = PersonFactory(name="Karin Holm")
    AffiliationFactory(person=official, organisation=department, role="utvecklare")

    assert official.effective_publication_level == PublicationLevel.FULL_NAME
    assert person_public_name(official) == "Karin Holm"


def test_everyone_else_is_published_as_role_and_organisation_by_default():
    g7 = OrganisationFactory(name="G7")
    participant = PersonFactory(name="Sven Ek")
    AffiliationFactory(person=participant, organisation=g7, role="")

    assert participant.effective_publication_level == PublicationLevel.ROLE_AND_ORGANISATION
    assert person_public_name(participant) == "Deltagare, G7"


def test_a_person_without_any_affiliation_is_not_named_by_default():
    assert person_public_name(PersonFactory(name="Sven Ek")) == "Deltagare"


def test_an_explicit_choice_overrides_the_default():
    department = OrganisationFactory(kind=Organisation.Kind.MUNICIPAL_DEPARTMENT)
    person = PersonFactory(name="Karin Holm", publication_level=PublicationLevel.INITIALS)
    AffiliationFactory(person=person, organisation=department)

    assert person_public_name(person) == "K. H."


def test_the_default_follows_the_current_affiliation_not_a_past_one():
    department = OrganisationFactory(kind=Organisation.Kind.MUNICIPAL_DEPARTMENT)
    association = OrganisationFactory(name="Vorta Drom")
    person = PersonFactory(name="Ali Berg")
    AffiliationFactory(
        person=person,
        organisation=department,
        start=datetime.date(2015, 1, 1),
        end=datetime.date(2016, 12, 31),
    )
    AffiliationFactory(person=person, organisation=association, role="brukarutvecklare")

    assert person_public_name(person) == "Brukarutvecklare, Vorta Drom"


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (PublicationLevel.FULL_NAME, "Anna-Lena Sjö"),
        (PublicationLevel.INITIALS, "A. L. S."),
        (PublicationLevel.ROLE_AND_ORGANISATION, "Brukarmentor, Ria/G7"),
    ],
)
def test_public_label_applies_each_level(level, expected):
    assert public_label(level, "Anna-Lena Sjö", "brukarmentor", "Ria/G7") == expected


def test_a_role_keeps_its_own_capitals():
    assert (
        public_label("role", "X Y", "HR-chef", "Socialförvaltningen")
        == "HR-chef, Socialförvaltningen"
    )
    assert public_label("role", "X Y", "brukarutvecklare Digitalt utanförskap") == (
        "Brukarutvecklare Digitalt utanförskap"
    )


def test_initials_ignore_extra_spaces():
    assert initials_of("  Bo   Ek ") == "B. E."


def test_an_affiliation_cannot_end_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        AffiliationFactory(start=datetime.date(2017, 1, 1), end=datetime.date(2016, 1, 1))


def test_an_affiliation_needs_an_organisation_or_a_role():
    with pytest.raises(IntegrityError), transaction.atomic():
        AffiliationFactory(organisation=None, role="")


def test_an_affiliation_reads_as_role_and_organisation():
    affiliation = AffiliationFactory(
        role="HR-chef", organisation=OrganisationFactory(name="Socialförvaltningen")
    )
    assert str(affiliation) == "HR-chef, Socialförvaltningen"


def test_aliases_are_read_one_per_line_or_comma_separated():
    person = PersonFactory(name="Bo Ek", aliases="Bosse\nBoa, Bo E ")
    assert person.alias_list == ["Bosse", "Boa", "Bo E"]
