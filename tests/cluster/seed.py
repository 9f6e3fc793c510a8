"""The tests' data, made in the cluster's database with its production settings: run by
``manage.py shell -c`` (tests/cluster/conftest.py). Prints what the tests need as JSON
on its last line."""

import json
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from people.models import Follow
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    PersonFactory,
    UserFactory,
)

password = secrets.token_urlsafe(16)
staff = get_user_model().objects.create_superuser("klusterpersonal", "staff@example.org", password)

series = MeetingSeriesFactory(name="Klustergruppen", slug="klustergruppen")
follower = UserFactory(username="foljare@example.org", email="foljare@example.org")
Follow.objects.create(user=follower, series=series)

# Approved, not yet published: what the publish page asks for, with someone present
# and an item (the text names nobody).
meeting = MeetingFactory(approved=True, series=series)
AttendanceFactory(meeting=meeting, person=PersonFactory(name="Signe Privatsson"))
AgendaItemFactory(meeting=meeting, order=1, title="Lokaler för hösten")

print(
    json.dumps(
        {
            "staff_username": staff.username,
            "staff_password": password,
            "follower_email": follower.email,
            "series_path": series.get_absolute_url(),
            "meeting_path": meeting.get_absolute_url(),
            "publish_path": reverse("admin:meetings_meeting_publish", args=[meeting.pk]),
            "login_path": reverse("people:login"),
            "admin_login_path": reverse("admin:login"),
            "admin_index_path": reverse("admin:index"),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "task_table": DBTaskResult._meta.db_table,
        }
    )
)
