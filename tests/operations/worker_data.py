"""The data side of tests/operations/test_worker_crash.py, run in a process of its own.

``python -m tests.operations.worker_data seed``: a protocol with six followers of its
series, published as the admin does (so the task is enqueued in the database).
``python -m tests.operations.worker_data state``: the task results and who was told.
Both print JSON. DJANGO_SETTINGS_MODULE is tests.operations.worker_settings.
"""

from __future__ import annotations

import json
import sys

import django

FOLLOWERS = 6


def seed() -> dict:
    from django.db import transaction

    from meetings.services import protocol_publish
    from people.models import Follow
    from tests.factories import (
        AgendaItemFactory,
        AttendanceFactory,
        MeetingFactory,
        UserFactory,
    )

    # One transaction: the task is enqueued when it commits, as after the admin's publish.
    with transaction.atomic():
        meeting = MeetingFactory(approved=True)
        AttendanceFactory(meeting=meeting)
        AgendaItemFactory(meeting=meeting, order=1, title="Lokal för utlåning")
        followers = [UserFactory(username=f"follower{n}") for n in range(1, FOLLOWERS + 1)]
        for user in followers:
            Follow.objects.create(user=user, series=meeting.series)
        protocol_publish(meeting=meeting, by=UserFactory(username="secretary", is_staff=True))
    return {"meeting": meeting.pk, "followers": sorted(user.email for user in followers)}


def state() -> dict:
    from django_tasks_db.models import DBTaskResult

    from meetings.models import ProtocolNotification

    return {
        "tasks": list(
            DBTaskResult.objects.values("task_path", "status", "worker_ids", "return_value")
        ),
        "notified": sorted(ProtocolNotification.objects.values_list("user__email", flat=True)),
    }


if __name__ == "__main__":
    django.setup()
    print(json.dumps({"seed": seed, "state": state}[sys.argv[1]]()))
