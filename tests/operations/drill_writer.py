"""Run inside a drill site's environment: write meetings until the stop file appears.

Each round is one transaction: a meeting, three agenda items, two attendance lines and a
working-group note with an uploaded document, so a backup taken meanwhile must catch
whole rounds only. Prints how many rounds were committed.
"""

from __future__ import annotations

import sys
import time
from datetime import date, timedelta
from pathlib import Path

import django

django.setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.db import OperationalError, transaction  # noqa: E402

from meetings.models import AgendaItem, Attendance, Meeting, MeetingSeries  # noqa: E402
from projects.models import GroupNote, WorkingGroup  # noqa: E402

stop = Path(sys.argv[1])
series = MeetingSeries.objects.order_by("pk").first()
group = WorkingGroup.objects.order_by("pk").first()
rounds = 0
while not stop.exists():
    try:
        with transaction.atomic():
            meeting = Meeting.objects.create(
                series=series, date=date(2030, 1, 1) + timedelta(days=rounds), place="Last"
            )
            for order in range(1, 4):
                AgendaItem.objects.create(meeting=meeting, order=order, title=f"Punkt {order}")
            for order in range(2):
                Attendance.objects.create(
                    meeting=meeting, order=order, name_as_written=f"N {order}"
                )
            note = GroupNote(working_group=group, title=f"Runda {rounds}")
            note.attachment.save(f"runda-{rounds}.txt", ContentFile(b"x" * 2000), save=False)
            note.save()
        rounds += 1
    except OperationalError:  # SQLite: the database was locked for a moment; try again
        time.sleep(0.01)
print(rounds)
