"""The production setup on one machine: two app servers behind nginx sharing PostgreSQL
and Redis, two task workers (cluster/local.py, started once for the session).

It needs the PostgreSQL server binaries, redis-server and nginx. Without Redis or nginx
these are skipped, except in CI (``CI`` set), where .ci/run installs them and a missing
one must fail.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
import pytest

from cluster.local import Cluster, missing_packages
from tests.cluster.visitor import Response, Visitor, mails_to

MISSING = missing_packages()
pytestmark = [
    pytest.mark.cluster,
    pytest.mark.skipif(
        bool(MISSING) and not os.environ.get("CI"),
        reason=f"{', '.join(MISSING)} not installed (apt-get install {' '.join(MISSING)}); "
        "CI installs them and runs these tests",
    ),
]

TASK_TIMEOUT = 30  # seconds for the task workers to send the follower's email
LOCKED_OUT = 429  # django-axes' answer to a locked-out address


def test_a_page_cached_by_one_app_server_is_served_from_cache_by_the_other(
    via_app_server: Callable[..., Visitor],
) -> None:
    # No other test asks for this page, so the first answer is rendered.
    first = via_app_server(1).get("/organisationer/")
    second = via_app_server(2).get("/organisationer/")

    assert (first.status, first.page_cache) == (200, "MISS")
    assert (second.status, second.page_cache) == (200, "HIT")
    assert second.text == first.text


@dataclass
class Publication:
    before: list[Response]  # the series page from app servers 1 and 2, before
    published: Response  # the publish form sent to app server 1
    again: Response  # the same form, opened before the publication, sent to app server 2


@pytest.fixture(scope="module")
def publication(data: dict, via_app_server: Callable[..., Visitor]) -> Publication:
    """Staff publish the meeting on the admin's publish page of app server 1, while
    both servers have its series page cached. A second staff member, who opened the
    same page on app server 2 before, confirms it too."""
    before = [
        via_app_server(1).get(data["series_path"]),
        via_app_server(2).get(data["series_path"]),
    ]
    first, second = via_app_server(1), via_app_server(2)
    for staff in (first, second):
        staff.log_in(data["admin_login_path"], data["staff_username"], data["staff_password"])
    second_token = second.form_token(data["publish_path"])
    published = first.submit(data["publish_path"], {"confirm": "yes"})
    again = second.submit(data["publish_path"], {"confirm": "yes"}, token=second_token)
    return Publication(before, published, again)


def test_a_publish_through_one_server_retires_the_page_on_both(
    data: dict, publication: Publication, via_app_server: Callable[..., Visitor]
) -> None:
    cached_on_1, cached_on_2 = publication.before
    assert cached_on_2.page_cache == "HIT"
    assert data["meeting_path"] not in cached_on_1.text
    assert publication.published.status == 302
    assert "/change/" in publication.published.location

    # Server 2 did not publish, yet it renders the page afresh, with the protocol...
    after_on_2 = via_app_server(2).get(data["series_path"])
    assert (after_on_2.status, after_on_2.page_cache) == (200, "MISS")
    assert data["meeting_path"] in after_on_2.text
    # ...and server 1 serves that new page from the shared cache.
    after_on_1 = via_app_server(1).get(data["series_path"])
    assert (after_on_1.status, after_on_1.page_cache) == (200, "HIT")
    assert after_on_1.text == after_on_2.text
    assert via_app_server(2).get(data["meeting_path"]).status == 200


def task_statuses(cluster: Cluster, table: str) -> list[str]:
    with psycopg.connect(cluster.database_url, connect_timeout=10) as connection:
        rows = connection.execute(f"SELECT status FROM {table} ORDER BY enqueued_at").fetchall()  # noqa: S608 - table name from Django
    return [status for (status,) in rows]


def test_a_follower_gets_exactly_one_email(
    cluster: Cluster, data: dict, publication: Publication
) -> None:
    assert publication.again.status < 400  # the second confirmation was accepted, not refused
    deadline = time.monotonic() + TASK_TIMEOUT
    statuses = task_statuses(cluster, data["task_table"])
    while any(status in ("READY", "RUNNING") for status in statuses):
        assert time.monotonic() < deadline, f"tasks still waiting after {TASK_TIMEOUT} s"
        time.sleep(0.2)
        statuses = task_statuses(cluster, data["task_table"])

    # One task for two confirmations, run by one of the two workers: one email.
    assert statuses == ["SUCCESSFUL"]
    mails = mails_to(cluster.mail_dir, data["follower_email"])
    assert len(mails) == 1
    assert cluster.url + data["meeting_path"] in mails[0]


def fail_to_log_in(visitor: Visitor, data: dict, times: int) -> list[int]:
    """Wrong passwords for the staff member's own username: an attacker who knows it must
    lock out only the attacker's address, never the account."""
    username = data["staff_username"]
    return [
        visitor.log_in(data["login_path"], username, "fel-lösenord").status for _ in range(times)
    ]


def staff_log_in(visitor: Visitor, data: dict) -> Response:
    return visitor.log_in(data["admin_login_path"], data["staff_username"], data["staff_password"])


def test_failed_logins_lock_out_their_address_only(
    data: dict, via_proxy: Callable[..., Visitor]
) -> None:
    attacker = via_proxy(source="127.0.0.2")
    statuses = fail_to_log_in(attacker, data, data["failure_limit"])
    assert statuses[0] == 200  # the form again, with an error: not locked before

    # From that address not even the right password gets in any more...
    assert staff_log_in(attacker, data).status == LOCKED_OUT
    # ...while staff at another address log in as usual.
    staff = via_proxy(source="127.0.0.3")
    assert staff_log_in(staff, data).status == 302
    assert staff.get(data["admin_index_path"]).status == 200


@pytest.mark.parametrize(
    ("route", "real", "forged"),
    [("app server", "127.0.0.4", "127.0.0.5"), ("proxy", "127.0.0.6", "127.0.0.7")],
)
def test_a_forged_x_forwarded_for_is_not_believed(
    data: dict,
    via_proxy: Callable[..., Visitor],
    via_app_server: Callable[..., Visitor],
    route: str,
    real: str,
    forged: str,
) -> None:
    # Straight to an app server the header comes from an untrusted client; through nginx
    # it arrives with the real address appended, which is the one the app reads.
    if route == "app server":
        forger = via_app_server(1, source=real, forwarded_for=forged)
    else:
        forger = via_proxy(source=real, forwarded_for=forged)
    fail_to_log_in(forger, data, data["failure_limit"])

    # The failures count against the forger's real address...
    assert staff_log_in(forger, data).status == LOCKED_OUT
    # ...and not against the address it wrote.
    assert staff_log_in(via_proxy(source=forged), data).status == 302


def upload(visitor: Visitor, path: str, size: int) -> Response:
    boundary = "delaktig-cluster-test"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="protokoll.odt"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
        f"{'x' * size}\r\n--{boundary}--\r\n"
    )
    return visitor.request(
        "POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )


def test_the_proxy_passes_a_ten_megabyte_upload_and_refuses_a_bigger_one(
    data: dict, via_proxy: Callable[..., Visitor]
) -> None:
    # nginx keeps a body this size in a temporary file first: its workers must be able
    # to write one. Django then refuses the post (no CSRF token), which is beside the point.
    passed = upload(via_proxy(), data["login_path"], 10 * 1024 * 1024)
    assert passed.status != 413
    assert passed.status < 500
    assert upload(via_proxy(), data["login_path"], 13 * 1024 * 1024).status == 413
