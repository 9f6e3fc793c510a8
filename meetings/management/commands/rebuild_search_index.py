"""Rebuild the search index from the published protocols, groups and organisations."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from meetings.page_cache import content_changed
from meetings.search import rebuild_index


class Command(BaseCommand):
    help = (
        "Rebuild the search index from scratch. Saving in the admin keeps it up to date; "
        "run this after loading data in bulk or after upgrading."
    )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        total = rebuild_index()
        content_changed()
        self.stdout.write(
            _("Indexed %(count)s entries in %(seconds).1f s.")
            % {"count": f"{total:,}", "seconds": time.monotonic() - started}
        )
