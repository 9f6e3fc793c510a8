import pytest
from django.urls import reverse

from tests.factories import MembershipFactory, WorkingGroupFactory
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def test_a_group_page_costs_the_same_queries_for_1_or_20_members(staff_client):
    small, large = WorkingGroupFactory(), WorkingGroupFactory()
    MembershipFactory(working_group=small)
    MembershipFactory.create_batch(20, working_group=large)

    def page(group):
        return reverse("admin:projects_workinggroup_change", args=[group.pk])

    assert count_queries(staff_client, page(large)) == count_queries(staff_client, page(small))


def test_the_group_list_costs_the_same_queries_for_1_or_40_groups(staff_client):
    WorkingGroupFactory(parent=WorkingGroupFactory())
    url = reverse("admin:projects_workinggroup_changelist")
    few = count_queries(staff_client, url)
    for _ in range(20):
        WorkingGroupFactory(parent=WorkingGroupFactory())
    assert count_queries(staff_client, url) == few
