"""The admin page “Import protocol text”: paste or upload, preview, create a draft meeting.

Nothing is written until “Create draft meeting”, which reads the same text again
(carried in a hidden field) rather than trusting a preview kept on the server.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organisations.models import Organisation
from people.models import Person
from projects.uploads import check_upload_size, read_upload

from ..admin_publish import warn_about_text
from ..models import AgendaItem, Attendance, Meeting, MeetingSeries
from .matching import ProtocolMatch, protocol_match, series_match, working_group_names
from .parse import decode_protocol, parse_protocol
from .saving import ImportResult, ImportStatus, import_error_message, protocol_import
from .structures import ParsedProtocol, ProtocolError

MAX_FILE_SIZE = 1024 * 1024  # a protocol is a few pages of text


class ProtocolImportForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Protocol text"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16, "cols": 80, "spellcheck": "false"}),
        help_text=gettext_lazy("Paste the whole protocol, from the title to the end."),
    )
    file = forms.FileField(
        label=gettext_lazy("Or choose a file"),
        required=False,
        help_text=gettext_lazy(
            "Plain text or Markdown (.txt or .md). A chosen file is used instead of the text above."
        ),
    )
    file_name = forms.CharField(required=False, widget=forms.HiddenInput)
    series = forms.ModelChoiceField(
        MeetingSeries.objects.all(),
        label=gettext_lazy("Meeting series"),
        required=False,
        empty_label=gettext_lazy("Find it from the title"),
    )
    year = forms.IntegerField(
        label=gettext_lazy("Year"),
        required=False,
        min_value=1900,
        max_value=2099,
        help_text=gettext_lazy("Only needed when the title has no year."),
    )
    date = forms.DateField(
        label=gettext_lazy("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("Leave empty to use the date in the title."),
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            # The same size check as every upload. The content check is decode_protocol's
            # below: a protocol may also be Windows-1252 or UTF-16 text.
            check_upload_size(upload, max_size=MAX_FILE_SIZE)
        return upload

    def clean(self) -> dict:
        data = super().clean()
        if self.has_error("file"):
            return data
        upload = data.get("file")
        if upload:
            raw, name = read_upload(upload, max_size=MAX_FILE_SIZE), upload.name
        elif data.get("text", "").strip():
            raw, name = data["text"].encode("utf-8"), data.get("file_name") or _("pasted text")
        else:
            raise forms.ValidationError(_("Paste the text of the protocol or choose a file."))
        try:
            # The same reading as for files, so pasted text is cleaned the same way.
            data["text"] = decode_protocol(raw, name=name)
        except ProtocolError as error:
            raise forms.ValidationError(import_error_message(name, error)) from error
        data["file_name"] = name
        return data


@dataclass
class Preview:
    text: str
    file_name: str
    parsed: ParsedProtocol
    match: ProtocolMatch
    series: MeetingSeries | None
    result: ImportResult | None  # a dry run, when the series is known

    @property
    def warnings(self) -> list[str]:
        return [*self.parsed.warnings, *self.match.warnings]

    @property
    def can_create(self) -> bool:
        return self.result is not None and self.result.status == ImportStatus.WOULD_CREATE

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    def attendee_rows(self) -> list[dict]:
        statuses = dict(Attendance.Status.choices)
        roles = {
            "chair": Attendance._meta.get_field("is_chair").verbose_name,
            "note_taker": Attendance._meta.get_field("is_note_taker").verbose_name,
            "approver": Attendance._meta.get_field("is_approver").verbose_name,
            "guest": Attendance._meta.get_field("is_guest").verbose_name,
        }
        # Everyone under a "Fasta ledamöter" heading is a standing member.
        standing = (
            [Attendance._meta.get_field("is_standing_member").verbose_name]
            if self.parsed.standing_members_heading
            else []
        )
        rows = []
        for attendee, match in zip(self.parsed.attendees, self.match.attendees, strict=True):
            new = [self.match.new_organisations[key].name for key in match.new_organisations]
            rows.append(
                {
                    "attendee": attendee,
                    "status": statuses.get(attendee.status, attendee.status),
                    "roles": [roles.get(role, role) for role in attendee.roles] + standing,
                    "match": match,
                    "organisations": [o.name for o in match.organisations],
                    "new_organisations": new,
                }
            )
        return rows

    def item_rows(self) -> list[dict]:
        kinds = dict(AgendaItem.Kind.choices)
        groups = self.match.working_groups
        return [
            {
                "number": number,
                "item": item,
                "kind": kinds.get(item.kind, item.kind),
                "groups": [groups[slug].name for slug in item.working_groups if slug in groups],
            }
            for number, item in enumerate(self.parsed.items, start=1)
        ]

    def decision_rows(self) -> list[dict]:
        return [
            {"decision": decision, "item": self.item_title(decision.item)}
            for decision in self.parsed.decisions
        ]

    def action_rows(self) -> list[dict]:
        rows = []
        for action, assignees in zip(self.parsed.actions, self.match.actions, strict=True):
            rows.append(
                {
                    "action": action,
                    "item": self.item_title(action.item),
                    "assignees": [(a.written, self.match.assignee_label(a)) for a in assignees],
                }
            )
        return rows

    def item_title(self, index: int) -> str:
        items = self.parsed.items
        return items[index].title if 0 <= index < len(items) else ""


def read_protocol(form: ProtocolImportForm) -> Preview | None:
    """Parse and match the form's text; problems become form errors."""
    data = form.cleaned_data
    try:
        parsed = parse_protocol(
            data["text"], year=data.get("year"), known_groups=working_group_names()
        )
    except ProtocolError as error:
        form.add_error(None, import_error_message(data["file_name"], error))
        return None
    if data.get("date"):
        parsed.date = data["date"]
    series = data.get("series")
    if series is None:
        found = series_match(parsed.series_name)
        series = found.series
        if found.warning:
            parsed.warnings.append(found.warning)
        if series is None:
            form.add_error(
                "series",
                _("No meeting series is called “%(name)s”. Choose the series.")
                % {"name": parsed.series_name},
            )
    result = None
    try:
        if series is not None:
            result = protocol_import(
                parsed=parsed, series=series, file_name=data["file_name"], dry_run=True
            )
            match = result.match
        else:
            match = protocol_match(parsed=parsed)
    except ProtocolError as error:
        form.add_error(None, import_error_message(data["file_name"], error))
        return None
    if result is not None and result.status in {ImportStatus.EXISTS, ImportStatus.REFUSED}:
        form.add_error(None, result.message)
    return Preview(
        text=data["text"],
        file_name=data["file_name"],
        parsed=parsed,
        match=match,
        series=series,
        result=result,
    )


def missing_permissions(request: HttpRequest, match: ProtocolMatch) -> list[str]:
    """Creating people or organisations needs the permission to add them."""
    missing = []
    if match.new_people and not request.user.has_perm("people.add_person"):
        missing.append(Person._meta.verbose_name_plural)
    if match.new_organisations and not request.user.has_perm("organisations.add_organisation"):
        missing.append(Organisation._meta.verbose_name_plural)
    return missing


def protocol_import_view(request: HttpRequest, *, model_admin) -> HttpResponse:
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    preview = None
    adjust_form = None
    if request.method == "POST":
        form = ProtocolImportForm(request.POST, request.FILES)
        if form.is_valid():
            preview = read_protocol(form)
            if preview is None:
                # Show the text read from an uploaded file, so it can be corrected right here.
                form.data = form.data.copy()
                form.data["text"] = form.cleaned_data["text"]
                form.data["file_name"] = form.cleaned_data["file_name"]
        if preview is not None and "create" in request.POST and not form.errors:
            missing = missing_permissions(request, preview.match)
            if missing:
                form.add_error(
                    None,
                    _("The protocol names new %(what)s, and you may not add them.")
                    % {"what": " / ".join(str(m) for m in missing)},
                )
            else:
                response = create(request, form, preview)
                if response is not None:
                    return response
        if preview is not None:
            # What the next POST carries: the text read so far, and the series and date to use.
            adjust_form = ProtocolImportForm(
                initial={
                    "text": preview.text,
                    "file_name": preview.file_name,
                    "year": form.cleaned_data.get("year"),
                    "series": preview.series,
                    "date": preview.parsed.date,
                }
            )
    else:
        form = ProtocolImportForm()
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Meeting._meta,
        "title": _("Import protocol text"),
        "form": form,
        "input_fields": [form[name] for name in ("text", "file", "series", "year")],
        "adjust_form": adjust_form,
        "adjust_fields": [adjust_form[name] for name in ("series", "date")] if adjust_form else [],
        "preview": preview,
    }
    return TemplateResponse(request, "admin/meetings/import_protocol.html", context)


def create(
    request: HttpRequest, form: ProtocolImportForm, preview: Preview
) -> HttpResponseRedirect | None:
    try:
        result = protocol_import(
            parsed=preview.parsed,
            series=preview.series,
            file_name=preview.file_name,
            by=request.user,
        )
    except ProtocolError as error:
        form.add_error(None, import_error_message(preview.file_name, error))
        return None
    if result.status != ImportStatus.CREATED:
        form.add_error(None, result.message)
        return None
    messages.success(request, result.message)
    if result.warnings:
        messages.warning(
            request,
            _("Check before publishing: %(warnings)s") % {"warnings": " ".join(result.warnings)},
        )
    warn_about_text(request, result.meeting)  # names and numbers in the imported text
    return HttpResponseRedirect(reverse("admin:meetings_meeting_change", args=[result.meeting.pk]))
