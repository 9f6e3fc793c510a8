from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from config.admin_preload import PreloadingInlineFormSet

from .form_constraints import (
    AgendaItemNumbersMixin,
    AttendancePeopleMixin,
    ConstraintErrorsOnFieldsMixin,
    item_number_taken,
)
from .models import ActionItem, AgendaItem, Attendance, Meeting


class MeetingAdminForm(ConstraintErrorsOnFieldsMixin, forms.ModelForm):
    """Publishing goes through the publish action, which checks the protocol first."""

    constraint_fields = {
        "meeting_once_per_series_and_day": "date",
        "meeting_ends_after_start": "end_time",
    }

    class Meta:
        model = Meeting
        fields = [
            "series",
            "date",
            "start_time",
            "end_time",
            "place",
            "theme",
            "status",
            "protocol_state",
            "approved_by",
            "approved_on",
            "note_taker_signature",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "protocol_state" in self.fields:
            self.fields["protocol_state"].choices = [
                choice
                for choice in self.fields["protocol_state"].choices
                if choice[0] != Meeting.ProtocolState.PUBLISHED
            ]
            self.fields["protocol_state"].help_text = _(
                "Publish with “Check and publish” at the top of this page: it checks the "
                "protocol and shows what visitors will see first."
            )


class AttendanceFormSet(AttendancePeopleMixin, PreloadingInlineFormSet):
    def clean(self) -> None:
        super().clean()
        seen = set()
        for form in self.forms:
            if not form.has_changed() and not form.instance.pk:
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            person = form.cleaned_data.get("person")
            if person is None:
                continue
            if person.pk in seen:
                form.add_error(
                    "person",
                    _("%(name)s is already listed for this meeting.") % {"name": person.name},
                )
            seen.add(person.pk)


class AttendanceForm(ConstraintErrorsOnFieldsMixin, forms.ModelForm):
    constraint_fields = {"attendance_has_name": "name_as_written"}

    class Meta:
        model = Attendance
        fields = [
            "order",
            "person",
            "name_as_written",
            "affiliation_as_written",
            "status",
            "is_standing_member",
            "is_chair",
            "is_note_taker",
            "is_approver",
            "is_guest",
            "organisations",
        ]
        # Narrow inputs, so that a whole attendance row fits on one line (the order
        # number's width is in static/css/admin.css: the CSP allows no style attribute).
        widgets = {
            "order": forms.NumberInput(attrs={"class": "attendance-order"}),
            "name_as_written": forms.TextInput(attrs={"size": 18}),
            "affiliation_as_written": forms.TextInput(attrs={"size": 18}),
        }


class AgendaItemForm(ConstraintErrorsOnFieldsMixin, forms.ModelForm):
    constraint_fields = {"agenda_item_order_unique_per_meeting": "order"}

    def constraint_error(self, name, error):
        return item_number_taken(self.cleaned_data.get("order", self.instance.order))

    class Meta:
        model = AgendaItem
        fields = [
            "meeting",
            "order",
            "level",
            "kind",
            "title",
            "body",
            "working_groups",
            "picked_up_by",
        ]
        # Narrow (static/css/admin.css): a class, as the CSP allows no style attribute.
        widgets = {"order": forms.NumberInput(attrs={"class": "item-order"})}


class AgendaItemFormSet(AgendaItemNumbersMixin, PreloadingInlineFormSet):
    """Items without a number are put last, in the order they were written."""

    def clean(self) -> None:
        numbered = [f for f in self.forms if self._is_kept(f) and f.cleaned_data.get("order")]
        unnumbered = [f for f in self.forms if self._is_kept(f) and not f.cleaned_data.get("order")]
        numbers = [f.cleaned_data["order"] for f in numbered] + list(self.numbers_outside())
        next_number = max(numbers, default=0) + 1
        for number, form in enumerate(unnumbered, start=next_number):
            form.cleaned_data["order"] = form.instance.order = number
        super().clean()

    def _is_kept(self, form) -> bool:
        if not hasattr(form, "cleaned_data") or not form.has_changed() and not form.instance.pk:
            return False
        return not (self.can_delete and self._should_delete_form(form))


class ActionItemForm(forms.ModelForm):
    class Meta:
        model = ActionItem
        fields = [
            "meeting",
            "agenda_item",
            "text",
            "assigned_people",
            "assigned_organisations",
            "assignees_as_written",
            "due_date",
            "due_next_meeting",
            "status",
            "followed_up_at",
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("DELETE"):
            return cleaned
        item, meeting = cleaned.get("agenda_item"), cleaned.get("meeting")
        if item is not None and meeting is not None and item.meeting_id != meeting.pk:
            self.add_error("agenda_item", _("Choose an item of the same meeting."))
        if not cleaned.get("assigned_people") and not cleaned.get("assigned_organisations"):
            raise ValidationError(
                _("Say who will do it: choose at least one person or organisation.")
            )
        return cleaned
