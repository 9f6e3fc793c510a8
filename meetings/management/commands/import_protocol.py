"""Import protocol text files as draft meetings."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from meetings.importer.matching import series_match, working_group_names
from meetings.importer.parse import decode_protocol, parse_protocol, protocol_to_json
from meetings.importer.saving import (
    ImportResult,
    ImportStatus,
    import_error_message,
    protocol_import,
)
from meetings.importer.structures import ProtocolError
from meetings.models import MeetingSeries


def year_from_file_name(name: str) -> int | None:
    """“gemensam-ledningsgrupp-2017-01-23.txt” → 2017, for titles that leave the year out."""
    found = re.search(r"(?<!\d)(19|20)\d{2}(?!\d)", Path(name).name)
    return int(found.group()) if found else None


class Command(BaseCommand):
    help = (
        "Import protocols (plain text or Markdown) as draft meetings. Each file is imported "
        "in one transaction: a file with an error writes nothing, the others are still "
        "imported. A meeting that already exists is not imported again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--series",
            metavar="SLUG",
            help="The meeting series. Without it, the series is found from the title.",
        )
        parser.add_argument(
            "--year",
            type=int,
            metavar="YYYY",
            help="The year, for titles without one. Without it, a year in the file name is used.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Read and match only: write nothing."
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="Print what was read as JSON, one object per file; messages go to stderr.",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace a draft meeting of the same series and date (never an approved "
            "or published one).",
        )

    def handle(self, *args, **options) -> None:
        self.options = options
        # With --json, stdout holds only JSON so that it can be piped; messages go to stderr.
        self.out = self.stderr if options["json"] else self.stdout
        self.series = self.series_option(options["series"])
        if options["year"] is not None and not 1900 <= options["year"] <= 2099:
            raise CommandError(_("The year must be between 1900 and 2099."))
        self.known_groups = working_group_names()

        failed, statuses = [], []
        for path in options["files"]:
            try:
                result = self.import_file(path)
            except ProtocolError as error:
                self.stderr.write(import_error_message(path, error))
                failed.append(path)
                continue
            self.report(path, result)
            if result.failed:
                failed.append(path)
            else:
                statuses.append(result.status)

        values = {
            "total": len(options["files"]),
            "written": sum(status != ImportStatus.EXISTS for status in statuses),
            "exists": statuses.count(ImportStatus.EXISTS),
            "failed": len(failed),
        }
        if options["dry_run"]:
            summary = _(
                "Files: %(total)d; would be created or replaced: %(written)d; already there: "
                "%(exists)d; failed: %(failed)d. Dry run: nothing was written."
            )
        else:
            summary = _(
                "Files: %(total)d; created or replaced: %(written)d; already there: "
                "%(exists)d; failed: %(failed)d."
            )
        summary %= values
        if failed:
            # Django turns this into exit status 1, after the files that could be imported were.
            raise CommandError(f"{summary} {_('Failed: %(files)s') % {'files': ', '.join(failed)}}")
        self.out.write(self.style.SUCCESS(summary))

    def series_option(self, slug: str | None) -> MeetingSeries | None:
        if slug is None:
            return None
        try:
            return MeetingSeries.objects.get(slug=slug)
        except MeetingSeries.DoesNotExist:
            known = ", ".join(MeetingSeries.objects.values_list("slug", flat=True)) or "-"
            raise CommandError(
                _("There is no meeting series “%(slug)s”. The series are: %(known)s")
                % {"slug": slug, "known": known}
            ) from None

    def import_file(self, path: str) -> ImportResult:
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise ProtocolError(
                _("The file cannot be read: %(reason)s") % {"reason": error.strerror or error}
            ) from error
        text = decode_protocol(data, name=path)
        year = self.options["year"] or year_from_file_name(path)
        parsed = parse_protocol(text, year=year, known_groups=self.known_groups)
        series = self.series
        if series is None:
            found = series_match(parsed.series_name)
            if found.series is None:
                raise ProtocolError(
                    _(
                        "No meeting series is called “%(name)s”. Give the series with "
                        "--series, or add the name to the series' other names."
                    )
                    % {"name": parsed.series_name},
                    line=self.title_line(text),
                )
            series = found.series
            if found.warning:
                parsed.warnings.append(found.warning)
        result = protocol_import(
            parsed=parsed,
            series=series,
            file_name=Path(path).name,
            replace=self.options["replace"],
            dry_run=self.options["dry_run"],
        )
        if self.options["json"]:
            summary = protocol_to_json(parsed, file=path, series=series.slug)
            summary["warnings"] = list(dict.fromkeys([*summary["warnings"], *result.warnings]))
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        return result

    @staticmethod
    def title_line(text: str) -> int | None:
        """The first line with text: where the title (and so the series) is."""
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                return number
        return None

    def report(self, path: str, result: ImportResult) -> None:
        message = f"{path}: {result.message}"
        if result.failed:
            self.stderr.write(message)
        elif result.status == ImportStatus.EXISTS:
            self.out.write(
                self.style.WARNING(
                    f"{message} {_('To replace a draft, import it with --replace.')}"
                )
            )
        else:
            self.out.write(message)
        if result.status in {ImportStatus.EXISTS, ImportStatus.REFUSED}:
            return  # nothing was written, so there is nothing to check
        for warning in result.warnings:
            self.out.write("  " + _("Check: %(warning)s") % {"warning": warning})
