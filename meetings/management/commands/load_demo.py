"""Load demo data: the network's real organisations and groups, invented people and minutes."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from meetings.demo import DemoConflict, demo_load


class Command(BaseCommand):
    help = (
        "Load demo data (organisations, people, working groups and meetings). "
        "Running it again changes nothing. With DEBUG on, the staff user gets a known password."
    )

    def handle(self, *args, **options) -> None:
        try:
            result = demo_load(with_password=settings.DEBUG)
        except DemoConflict as error:
            raise CommandError(
                _(
                    "%(series)s already has a meeting on %(date)s, where the demo would put "
                    "its own. Nothing was loaded."
                )
                % {"series": error.series, "date": date_format(error.date)}
            ) from error
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo data loaded: %(organisations)d organisations, %(people)d people, "
                    "%(working_groups)d working groups, %(series)d meeting series and "
                    "%(meetings)d meetings, of which %(published)d with published protocols "
                    "(%(created)d rows created, %(updated)d updated)."
                )
                % {
                    "organisations": result.organisations,
                    "people": result.people,
                    "working_groups": result.working_groups,
                    "series": result.series,
                    "meetings": result.meetings,
                    "published": result.published,
                    "created": result.created,
                    "updated": result.updated,
                }
            )
        )
        url = f"http://127.0.0.1:8000{reverse('admin:index')}"
        if result.password:
            self.stdout.write(
                _("Log in at %(url)s as %(username)s / %(password)s")
                % {"url": url, "username": result.username, "password": result.password}
            )
        else:
            self.stdout.write(
                _(
                    "DEBUG is off, so the user %(username)s has no password. Set one with: "
                    "python manage.py changepassword %(username)s"
                )
                % {"username": result.username}
            )
