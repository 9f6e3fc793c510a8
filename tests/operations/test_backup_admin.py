"""The backups page in the admin and the backup warning on every admin page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from operations.models import BackupRun
from operations.sets import STATUS_CACHE_KEY as CACHE_KEY
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BACKUPS = reverse("admin:operations_backuprun_changelist")
INDEX = reverse("admin:index")
MEETINGS = reverse("admin:meetings_meeting_changelist")
WARNING = 'class="messagelist backup-warning"'


@pytest.fixture(autouse=True)
def fresh_backups(settings):
    """An empty backups storage and no cached status: the process keeps both between tests,
    while the database is rolled back."""
    settings.STORAGES = {
        **settings.STORAGES,
        "backups": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    cache.delete(CACHE_KEY)
    yield
    cache.delete(CACHE_KEY)


@pytest.fixture
def operator(db):
    """Staff with the dedicated permission to see backups, and nothing else."""
    user = UserFactory(username="driftansvarig", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="operations", codename="view_backuprun")
    )
    return user


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


def in_swedish(text: str) -> str:
    """A message as the admin shows it (LANGUAGE_CODE is sv), translated or not yet."""
    with translation.override("sv"):
        return str(translation.gettext(text))


def local(moment) -> str:
    with translation.override("sv"):
        return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def size(number: int) -> str:
    with translation.override("sv"):
        return filesizeformat(number)


def record(status: str, *, hours_ago: float, message: str = "", **fields) -> BackupRun:
    finished = timezone.now() - timedelta(hours=hours_ago)
    return BackupRun.objects.create(
        kind=fields.pop("kind", BackupRun.Kind.BACKUP),
        status=status,
        started_at=finished - timedelta(minutes=3),
        finished_at=finished,
        message=message,
        **fields,
    )


def save_set(name: str, files: dict[str, bytes]) -> None:
    for file, content in files.items():
        storages["backups"].save(f"{name}/{file}", ContentFile(content))


# The backups page


def test_staff_without_the_permission_see_no_operations_section_and_get_403(staff_client):
    index = staff_client.get(INDEX).content.decode()
    assert reverse("admin:app_list", args=["operations"]) not in index
    assert BACKUPS not in index
    assert staff_client.get(BACKUPS).status_code == 403
    # Django's own answer for the section of an app the user may not see.
    assert staff_client.get(reverse("admin:app_list", args=["operations"])).status_code == 404
    run = record(BackupRun.Status.SUCCEEDED, hours_ago=1)
    change = reverse("admin:operations_backuprun_change", args=[run.pk])
    assert staff_client.get(change).status_code == 403


def test_staff_with_the_permission_find_the_backups_page_from_the_index(operator_client):
    index = operator_client.get(INDEX).content.decode()
    assert BACKUPS in index
    assert operator_client.get(BACKUPS).status_code == 200


def test_the_page_lists_the_sets_newest_first_with_sizes_and_marks_the_incomplete_one(
    operator_client,
):
    save_set("delaktig-20261130T020000Z", {"db.dump": b"x" * 1000, "manifest.json": b"{}"})
    save_set("delaktig-20261201T020000Z", {"db.dump": b"x" * 5000, "media.tar": b"y" * 3000})
    save_set("delaktig-20261202T020000Z", {"db.dump": b"x" * 2048, "manifest.json": b"{}"})
    storages["backups"].save("not-a-set/readme.txt", ContentFile(b"hello"))
    record(
        BackupRun.Status.SUCCEEDED,
        hours_ago=2,
        set_name="delaktig-20261202T020000Z",
        size=2050,
    )

    page = operator_client.get(BACKUPS).content.decode()

    newest, incomplete, oldest = (
        page.index("delaktig-20261202T020000Z</td>"),
        page.index("delaktig-20261201T020000Z</td>"),
        page.index("delaktig-20261130T020000Z</td>"),
    )
    assert newest < incomplete < oldest
    assert "not-a-set" not in page
    # Local time (Stockholm is UTC+1 in December) in the Swedish format.
    assert "2 december 2026 03:00" in page
    for number in (2050, 8000, 1002):
        assert size(number) in page
    incomplete_row = page[incomplete : page.index("</tr>", incomplete)]
    assert 'class="backup-incomplete"' in incomplete_row
    assert in_swedish("incomplete") in incomplete_row
    assert page.count('class="backup-incomplete"') == 1
    assert in_swedish("Sets in storage: %(count)s") % {"count": 3} in page
    last = page[page.index('id="last-backup"') : page.index("</p>", page.index('id="last-backup"'))]
    assert in_swedish("Last successful backup:") in last
    assert local(BackupRun.objects.get().finished_at) in last
    assert "delaktig-20261202T020000Z" in last


def test_the_last_success_is_the_newest_successful_backup_not_a_later_failure(
    operator_client,
):
    success = record(BackupRun.Status.SUCCEEDED, hours_ago=30, set_name="delaktig-ok")
    record(BackupRun.Status.FAILED, hours_ago=5, message="disk full")
    record(
        BackupRun.Status.SUCCEEDED,
        hours_ago=1,
        set_name="delaktig-restored",
        kind=BackupRun.Kind.RESTORE,
    )
    page = operator_client.get(BACKUPS).content.decode()
    start = page.index('id="last-backup"')
    last = page[start : page.index("</p>", start)]
    assert local(success.finished_at) in last
    assert "delaktig-ok" in last
    assert "delaktig-restored" not in last


def test_the_page_explains_how_to_make_the_first_backup_when_there_is_none(operator_client):
    page = operator_client.get(BACKUPS).content.decode()
    assert 'class="backup-empty"' in page
    assert "python manage.py backup" in page
    assert in_swedish("No backup has succeeded yet.") in page
    assert "<table>" not in page.split("backup-empty")[0].split('id="backup-sets-title"')[1]


def test_a_missing_backup_folder_is_the_empty_state(operator_client, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "backups": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "never-made"},
        },
    }
    response = operator_client.get(BACKUPS)
    assert response.status_code == 200
    assert 'class="backup-empty"' in response.content.decode()


def test_an_unreadable_backup_storage_is_an_error_line_not_a_server_error(
    operator_client, settings, tmp_path
):
    not_a_folder = tmp_path / "backups"
    not_a_folder.write_text("a file where the folder should be")
    settings.STORAGES = {
        **settings.STORAGES,
        "backups": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": not_a_folder},
        },
    }
    record(BackupRun.Status.SUCCEEDED, hours_ago=1, set_name="delaktig-20261202T020000Z")
    response = operator_client.get(BACKUPS)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="errornote"' in page
    assert "Not a directory" in page
    assert 'class="backup-empty"' not in page
    # The runs are still listed under the error.
    assert "delaktig-20261202T020000Z" in page


def test_the_runs_are_listed_with_size_and_a_shortened_message(operator_client):
    record(
        BackupRun.Status.FAILED,
        hours_ago=1,
        set_name="delaktig-20261202T020000Z",
        size=123456,
        message="pg_dump: error: " + "connection refused " * 20,
    )
    page = operator_client.get(BACKUPS).content.decode()
    assert "delaktig-20261202T020000Z" in page
    assert size(123456) in page
    assert "pg_dump: error: connection refused" in page
    assert "connection refused " * 20 not in page


def test_the_runs_are_paginated(operator_client):
    for hours in range(51):
        record(BackupRun.Status.SUCCEEDED, hours_ago=hours, set_name=f"delaktig-run{hours:02}")
    first = operator_client.get(BACKUPS).content.decode()
    assert "delaktig-run49" in first
    assert "delaktig-run50" not in first
    assert "delaktig-run50" in operator_client.get(BACKUPS + "?p=2").content.decode()


def test_nobody_may_add_change_or_delete_a_run_not_even_a_superuser(admin_client_):
    run = record(BackupRun.Status.SUCCEEDED, hours_ago=1, set_name="delaktig-20261202T020000Z")
    change = reverse("admin:operations_backuprun_change", args=[run.pk])
    page = admin_client_.get(BACKUPS).content.decode()
    assert reverse("admin:operations_backuprun_add") not in page
    assert admin_client_.get(reverse("admin:operations_backuprun_add")).status_code == 403
    delete = reverse("admin:operations_backuprun_delete", args=[run.pk])
    assert admin_client_.get(delete).status_code == 403
    assert admin_client_.post(delete, {"post": "yes"}).status_code == 403
    assert (
        admin_client_.post(change, {"set_name": "changed", "status": "failed"}).status_code == 403
    )
    bulk = admin_client_.post(
        BACKUPS, {"action": "delete_selected", "_selected_action": [run.pk], "post": "yes"}
    )
    assert bulk.status_code in (200, 302)
    run.refresh_from_db()
    assert run.set_name == "delaktig-20261202T020000Z"
    assert run.status == BackupRun.Status.SUCCEEDED
    assert admin_client_.get(change).status_code == 200  # to read, read-only


# The warning on every admin page


@pytest.mark.parametrize("url", [INDEX, MEETINGS])
def test_the_warning_says_no_backup_was_ever_made(staff_client, url):
    page = staff_client.get(url).content.decode()
    assert WARNING in page
    assert in_swedish("No backup has been made yet.") in page


@pytest.mark.parametrize("url", [INDEX, MEETINGS])
def test_the_warning_says_the_last_backup_failed_after_a_success(staff_client, url):
    record(BackupRun.Status.SUCCEEDED, hours_ago=25)
    failure = record(BackupRun.Status.FAILED, hours_ago=1, message="pg_dump: disk full")
    page = staff_client.get(url).content.decode()
    assert WARNING in page
    expected = in_swedish("The last backup failed %(time)s: %(message)s") % {
        "time": local(failure.finished_at),
        "message": "pg_dump: disk full",
    }
    assert expected in page


@pytest.mark.parametrize("url", [INDEX, MEETINGS])
def test_the_warning_says_the_last_success_is_too_old(staff_client, url):
    success = record(BackupRun.Status.SUCCEEDED, hours_ago=37)
    page = staff_client.get(url).content.decode()
    assert WARNING in page
    expected = in_swedish(
        "No successful backup in over %(hours)s hours (the last one: %(time)s)."
    ) % {"hours": 36, "time": local(success.finished_at)}
    assert expected in page


@pytest.mark.parametrize("url", [INDEX, MEETINGS])
def test_there_is_no_warning_after_a_recent_success(staff_client, url):
    record(BackupRun.Status.FAILED, hours_ago=3, message="disk full")
    record(BackupRun.Status.SUCCEEDED, hours_ago=1)
    page = staff_client.get(url).content.decode()
    assert staff_client.get(url).status_code == 200
    assert WARNING not in page
    assert "disk full" not in page


def test_the_warning_follows_the_age_limit_setting(staff_client, settings):
    record(BackupRun.Status.SUCCEEDED, hours_ago=13)
    assert WARNING not in staff_client.get(INDEX).content.decode()
    settings.BACKUP_MAX_AGE_HOURS = 12
    assert WARNING in staff_client.get(INDEX).content.decode()


def test_a_restore_does_not_count_as_a_backup(staff_client):
    record(BackupRun.Status.SUCCEEDED, hours_ago=1, kind=BackupRun.Kind.RESTORE)
    assert WARNING in staff_client.get(INDEX).content.decode()


def test_the_warning_links_to_the_backups_page_only_for_those_who_may_see_it(
    client, staff_user, operator
):
    client.force_login(staff_user)
    assert WARNING in (page := client.get(INDEX).content.decode())
    assert BACKUPS not in page
    client.force_login(operator)
    page = client.get(INDEX).content.decode()
    warning = page[page.index(WARNING) : page.index("</ul>", page.index(WARNING))]
    assert f'href="{BACKUPS}"' in warning


def test_the_login_page_shows_no_warning(client):
    assert WARNING not in client.get(reverse("admin:login")).content.decode()


def test_a_recorded_success_removes_the_cached_warning_on_the_next_page(staff_client):
    record(BackupRun.Status.SUCCEEDED, hours_ago=30)
    record(BackupRun.Status.FAILED, hours_ago=2, message="disk full")
    assert WARNING in staff_client.get(INDEX).content.decode()
    assert cache.get(CACHE_KEY) is not None

    record(BackupRun.Status.SUCCEEDED, hours_ago=0)

    assert WARNING not in staff_client.get(MEETINGS).content.decode()


def test_a_warm_page_asks_the_database_nothing_about_backups(staff_client):
    record(BackupRun.Status.FAILED, hours_ago=2, message="disk full")
    staff_client.get(INDEX)
    with CaptureQueriesContext(connection) as queries:
        page = staff_client.get(INDEX).content.decode()
    assert WARNING in page
    assert not [q["sql"] for q in queries if "operations_backuprun" in q["sql"]]


def test_a_cold_page_asks_for_the_status_once(staff_client):
    staff_client.get(INDEX)
    cache.delete(CACHE_KEY)
    with CaptureQueriesContext(connection) as queries:
        staff_client.get(INDEX)
    assert len([q for q in queries if "operations_backuprun" in q["sql"]]) == 2
