"""One fresh worker that takes hostile uploads and prints its own peak memory.

Run by ``test_uploads.test_a_worker_taking_zip_bombs_and_a_2_gb_post_stays_under_300_mb``:

    python -m tests.projects.upload_memory_child OVERSIZE_BYTES NAME=PATH ...

Each upload goes through Django's whole request handling (WSGI request, middleware,
multipart parsing with the configured upload handlers, the view, the form, the template),
the body read piece by piece as from a socket. The database is a fresh in-memory SQLite
one whatever the test run uses, with tables made from the models: what is measured is
the upload handling, not the database. Prints one JSON line.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path


def peak_rss_kb() -> int:
    """This process's peak resident memory in kB (Linux).

    Not ``ru_maxrss`` alone: Linux carries the parent's resident size over fork and exec
    into it, so a child of pytest reported pytest's 100-300 MB before doing anything.
    VmHWM belongs to the memory of this program only, made new at exec.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def ru_maxrss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux


def main(argv: list[str]) -> dict:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["DATABASE_URL"] = "sqlite:///:memory:"
    import django

    django.setup()

    from django.apps import apps
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from projects.models import GroupNote
    from tests.factories import MembershipFactory, PersonFactory, UserFactory, WorkingGroupFactory
    from tests.projects.upload_requests import (
        OnDisk,
        StreamedUpload,
        Zeros,
        admin_note_fields,
        refusal,
    )

    setup_test_environment()  # keeps each response's context, to read the form's errors
    settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
    call_command("migrate", run_syncdb=True, verbosity=0)

    oversize, files = int(argv[0]), dict(arg.split("=", 1) for arg in argv[1:])
    uploads = {name: OnDisk(Path(path)) for name, path in files.items()}
    uploads["oversize.pdf"] = Zeros(oversize)

    group = WorkingGroupFactory(slug="grupp")
    member = UserFactory(username="medlem")
    MembershipFactory(working_group=group, person=PersonFactory(user=member))
    staff_group = WorkingGroupFactory(slug="personalens")
    staff = UserFactory(username="admin", is_staff=True, is_superuser=True)

    member_client, staff_client = Client(), Client()
    member_client.force_login(member)
    staff_client.force_login(staff)
    member_url = reverse("projects:note_add", args=[group.slug])
    admin_url = reverse("admin:projects_workinggroup_change", args=[staff_group.pk])

    before = peak_rss_kb()
    results = []
    for path_name, client, url, fields, field in [
        ("members", member_client, member_url, {"title": "Bomb"}, "attachment"),
        ("admin", staff_client, admin_url, admin_note_fields(staff_group), "notes-0-attachment"),
    ]:
        for name, content in uploads.items():
            response = StreamedUpload(fields, field, name, content).post(client, url)
            codes, message_shown = refusal(response)
            results.append(
                {
                    "path": path_name,
                    "file": name,
                    "status": response.status_code,
                    "codes": codes,
                    "message_shown": message_shown,
                    "notes_saved": GroupNote.objects.count(),
                    "peak_kb": peak_rss_kb(),
                }
            )
    return {
        "before_uploads_kb": before,
        "peak_kb": peak_rss_kb(),
        "ru_maxrss_kb": ru_maxrss_kb(),
        "results": results,
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
