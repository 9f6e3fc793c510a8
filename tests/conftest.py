from __future__ import annotations

import pytest

from tests.factories import UserFactory


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "cluster: starts the local production-like cluster (cluster/, tests/cluster); "
        "`make test` runs these in one of its two database passes only",
    )


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run an action and then what waits for its commit (search index, follower email),
    as a real request's commit would; a test's transaction never commits."""

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


@pytest.fixture
def staff_user(db):
    """A secretary who records minutes: staff with every permission of the project's apps."""
    from django.contrib.auth.models import Permission

    user = UserFactory(username="sekreterare", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["meetings", "people", "projects", "organisations"]
        )
    )
    return user


@pytest.fixture
def superuser(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def admin_client_(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Each test starts with no cached pages: the database (and so the version number
    that keys them) is rolled back after every test, but the process memory is not."""
    from django.core.cache import caches

    from meetings.page_cache import CACHE_ALIAS
    from operations.sets import STATUS_CACHE_KEY

    caches[CACHE_ALIAS].clear()
    caches["default"].delete(STATUS_CACHE_KEY)  # the admin's backup status, likewise
    yield
    caches[CACHE_ALIAS].clear()
