"""Generate a large, realistic, reproducible data set for benchmarks (see meetings.scale)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from meetings.models import Meeting
from meetings.scale import DEFAULT_COUNTS, counts_for, generate


class Command(BaseCommand):
    help = (
        "Generate a realistic data set of a chosen size with a fixed random seed, "
        "for benchmarks. No history rows are written."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Multiply the default counts, for example 0.1 for one tenth.",
        )
        parser.add_argument("--seed", type=int, default=42, help="Random seed.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Add the data even when the database already holds meetings.",
        )
        for key, value in DEFAULT_COUNTS.items():
            parser.add_argument(
                f"--{key.replace('_', '-')}",
                dest=key,
                type=int,
                default=None,
                help=f"Number of rows (default {value:,} times --scale).",
            )

    def handle(self, *args, **options) -> None:
        if options["scale"] <= 0:
            raise CommandError(_("--scale must be greater than zero."))
        if Meeting.objects.exists() and not options["force"]:
            raise CommandError(
                _(
                    "The database already holds meetings. Use --force to add the generated "
                    "data anyway."
                )
            )
        counts = counts_for(options["scale"], **{key: options[key] for key in DEFAULT_COUNTS})
        if any(value < 0 for value in counts.values()):
            raise CommandError(_("Counts cannot be negative."))
        started = time.monotonic()
        try:
            written = generate(counts, seed=options["seed"])
        except ValueError as error:
            raise CommandError(
                _("These counts cannot be generated: %(error)s") % {"error": error}
            ) from error
        elapsed = time.monotonic() - started
        for label, number in written.items():
            self.stdout.write(f"{label}: {number:,}")
        self.stdout.write(
            self.style.SUCCESS(
                _("Generated %(rows)d rows in %(seconds).1f seconds (seed %(seed)d).")
                % {"rows": sum(written.values()), "seconds": elapsed, "seed": options["seed"]}
            )
        )
