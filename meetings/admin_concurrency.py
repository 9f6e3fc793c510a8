"""Optimistic locking for the meeting admin: a second save never silently overwrites the first.

The change page carries the fingerprint of the meeting as it was when the page was opened
(``meetings.concurrency.meeting_fingerprint``) in a hidden field. On saving, inside the
admin's transaction and with the meeting row locked, the posted fingerprint is compared
with the one now. If they differ, someone else saved the meeting (or one of its rows, on
any page) in between: nothing is saved, and the page comes back with status 409 showing
the staff member's own version with everything they typed, who saved last and when, a
link to the saved version, the fields that differ, and a way to save their version
anyway (which posts the fingerprint they were shown, so a third save is caught again).

A post without a fingerprint (a page opened before this check existed) is not checked.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from django import forms
from django.contrib.admin.utils import unquote
from django.db import router, transaction
from django.forms.models import InlineForeignKeyField
from django.http import QueryDict
from django.template.defaultfilters import yesno
from django.template.loader import select_template
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext

from .concurrency import meeting_fingerprint
from .models import ActionItem, AgendaItem, Attendance, Decision, Meeting

FINGERPRINT_FIELD = "edit_fingerprint"
CURRENT_FINGERPRINT = "edit_fingerprint_current"
SAVE_ANYWAY = "_save_anyway"
SKIPPED_FIELDS = {"id", "DELETE", "ORDER", FINGERPRINT_FIELD}
CONFLICT_ATTR = "_meeting_edit_conflict"


class FingerprintField(forms.CharField):
    """The hidden fingerprint: never a change of the meeting, so never in the change message."""

    widget = forms.HiddenInput

    def has_changed(self, initial, data) -> bool:
        return False


@dataclass
class EditConflict:
    """What the conflict page says: who saved last, when, and the fingerprint now."""

    fingerprint: str
    changed_by: str
    changed_at: object  # an aware datetime, or None without any history
    url: str
    dropped_rows: list = dataclasses.field(default_factory=list)

    @property
    def message(self) -> str:
        if self.changed_at is None:
            return gettext(
                "Someone else saved this meeting after you opened it. "
                "Your changes have not been saved."
            )
        return gettext(
            "%(who)s saved this meeting on %(when)s, after you opened it. "
            "Your changes have not been saved."
        ) % {
            "who": capfirst(self.changed_by),
            "when": formats.date_format(timezone.localtime(self.changed_at), "DATETIME_FORMAT"),
        }


@dataclass
class Difference:
    label: str
    yours: str
    saved: str


def last_change(meeting_id: int) -> tuple[str, object]:
    """(who, when) of the latest history record of the meeting or of one of its rows.

    An agenda item saved on its own page leaves no record on the meeting itself, so the
    rows' histories are read too (one query each, only for a conflict page).
    """
    candidates = [Meeting.history.filter(id=meeting_id)] + [
        model.history.filter(meeting_id=meeting_id)
        for model in (Attendance, AgendaItem, Decision, ActionItem)
    ]
    records = [
        record
        for record in (
            history.select_related("history_user").order_by("-history_date").first()
            for history in candidates
        )
        if record is not None
    ]
    if not records:
        return gettext("someone"), None
    latest = max(records, key=lambda record: record.history_date)
    user = latest.history_user
    who = (user.get_full_name() or user.get_username()) if user is not None else gettext("someone")
    return who, latest.history_date


def display(field: forms.Field, value) -> str:
    """A form value as a person reads it, for the table of differences."""
    if isinstance(field, forms.BooleanField):
        return yesno(bool(value))
    if value is None or value == "" or value == [] or value == ():
        return "—"
    if isinstance(field, forms.ModelMultipleChoiceField):
        values = list(value)
        keys = [v for v in values if not hasattr(v, "pk")]
        objects = [v for v in values if hasattr(v, "pk")]
        if keys:
            objects += list(field.queryset.filter(pk__in=keys))
        return ", ".join(str(obj) for obj in objects) or "—"
    if isinstance(field, forms.ModelChoiceField):
        if hasattr(value, "pk"):
            return str(value)
        # isdecimal(), not isdigit(): "²" is a digit that int() and so filter(pk=) refuse.
        obj = field.queryset.filter(pk=value).first() if str(value).isdecimal() else None
        return str(obj if obj is not None else value)
    if isinstance(field, forms.ChoiceField):
        labels = {str(key): label for key, label in field.choices}
        return str(labels.get(str(value), value))
    return str(formats.localize(value))


def form_differences(form, row: str = "") -> list[Difference]:
    """The fields whose posted value differs from the saved one.

    A bound model form's ``initial`` is the saved row (it was read after the meeting row
    was locked), so ``changed_data`` names exactly those fields.
    """
    differences = []
    for name in form.changed_data:
        field = form.fields[name]
        if name in SKIPPED_FIELDS or isinstance(field, InlineForeignKeyField):
            continue
        yours = form.cleaned_data[name] if name in form.cleaned_data else form[name].data
        label = capfirst(field.label or name)
        label = f"{row}: {label}" if row else label
        differences.append(
            Difference(label, display(field, yours), display(field, form.initial.get(name)))
        )
    return differences


def conflict_differences(form, inline_admin_formsets) -> list[Difference]:
    """Meeting fields, then inline rows, where the staff member's version differs."""
    differences = form_differences(form)
    for inline in inline_admin_formsets:
        formset = inline.formset
        rows = capfirst(formset.model._meta.verbose_name_plural)
        for number, row in enumerate(formset.forms, start=1):
            if not row.has_changed():
                continue
            if row.instance.pk is None or number > formset.initial_form_count():
                differences.append(
                    Difference(
                        gettext("%(rows)s, new row") % {"rows": rows}, str(row.instance), "—"
                    )
                )
            elif formset.can_delete and formset._should_delete_form(row):
                differences.append(
                    Difference(
                        gettext("%(rows)s, row %(number)s") % {"rows": rows, "number": number},
                        gettext("to be deleted"),
                        str(row.instance),
                    )
                )
            else:
                label = gettext("%(rows)s, row %(number)s") % {"rows": rows, "number": number}
                differences += form_differences(row, label)
    return differences


def drop_rows_deleted_meanwhile(post: QueryDict, meeting_id: int, inlines) -> tuple:
    """Take out of the POST the inline rows whose saved row someone else deleted.

    The admin cannot show such a row again (it pairs posted rows with the saved ones by
    position), and the row could never be saved. Returns the POST without those rows,
    renumbered, and a Difference per dropped row with what had been typed in it.
    """
    post = post.copy()
    dropped = []
    for model, fk_name, prefix in inlines:
        try:
            total = int(post[f"{prefix}-TOTAL_FORMS"])
            initial = int(post[f"{prefix}-INITIAL_FORMS"])
        except (KeyError, ValueError):
            continue
        pk_name = model._meta.pk.name
        posted_pks = {
            index: post.get(f"{prefix}-{index}-{pk_name}", "") for index in range(initial)
        }
        existing = {
            str(pk)
            for pk in model._default_manager.filter(
                **{fk_name: meeting_id},
                pk__in=[pk for pk in posted_pks.values() if pk.isdecimal()],
            ).values_list("pk", flat=True)
        }
        gone = [index for index, pk in posted_pks.items() if pk.isdecimal() and pk not in existing]
        if not gone:
            continue
        rows = capfirst(model._meta.verbose_name_plural)
        rows_before = {
            index: {
                key.removeprefix(f"{prefix}-{index}-"): post.getlist(key)
                for key in post
                if key.startswith(f"{prefix}-{index}-")
            }
            for index in range(total)
        }
        for key in [key for key in post if key.startswith(f"{prefix}-")]:
            if not key.endswith(
                ("-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS")
            ):
                del post[key]
        kept = [index for index in range(total) if index not in gone]
        for new_index, index in enumerate(kept):
            for name, values in rows_before[index].items():
                post.setlist(f"{prefix}-{new_index}-{name}", values)
        post[f"{prefix}-TOTAL_FORMS"] = str(len(kept))
        post[f"{prefix}-INITIAL_FORMS"] = str(initial - len(gone))
        for index in gone:
            typed = [
                value
                for name, values in rows_before[index].items()
                if name not in SKIPPED_FIELDS and name != fk_name
                for value in values
                if value and not value.isdigit() and value != "on"
            ]
            dropped.append(
                Difference(
                    gettext("%(rows)s, row %(number)s") % {"rows": rows, "number": index + 1},
                    " · ".join(typed) or "—",
                    gettext("deleted by someone else"),
                )
            )
    post._mutable = False
    return post, dropped


class MeetingConcurrencyMixin:
    """For the meeting's ModelAdmin: see the module's docstring."""

    concurrency_template = "admin/meetings/meeting/concurrency_change_form.html"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if not change or obj is None or obj.pk is None:  # also history's revert form
            return form_class
        # On a POST the field keeps what was posted, the fingerprint of the page as opened.
        initial = meeting_fingerprint(obj.pk) if request.method == "GET" else ""
        conflict = getattr(request, CONFLICT_ATTR, None)
        attrs = {
            "__module__": __name__,
            FINGERPRINT_FIELD: FingerprintField(required=False, initial=initial),
        }
        if conflict is not None:

            def clean(form):
                cleaned = super(conflict_form, form).clean()
                form.add_error(None, conflict.message)
                return cleaned

            attrs["clean"] = clean
        conflict_form = type(form_class.__name__, (form_class,), attrs)
        return conflict_form

    def inline_prefixes(self) -> list[tuple]:
        """(model, foreign key name, formset prefix) of each inline, as the admin names them
        (``BaseInlineFormSet.get_default_prefix`` and ``ModelAdmin._create_formsets``)."""
        found, seen = [], {}
        for inline in self.inlines:
            fk = next(
                f
                for f in inline.model._meta.fields
                if f.is_relation
                and f.related_model is self.model
                and (inline.fk_name is None or f.name == inline.fk_name)
            )
            prefix = fk.remote_field.get_accessor_name(model=inline.model).replace("+", "")
            seen[prefix] = seen.get(prefix, 0) + 1
            if seen[prefix] != 1:
                prefix = f"{prefix}-{seen[prefix]}"
            found.append((inline.model, fk.name, prefix))
        return found

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST" or object_id is None or "_saveasnew" in request.POST:
            return super().changeform_view(request, object_id, form_url, extra_context)
        try:
            meeting_id = int(unquote(object_id))
        except ValueError:
            return super().changeform_view(request, object_id, form_url, extra_context)
        with transaction.atomic(using=router.db_for_write(self.model)):
            # Locked until this transaction ends: a second save waits here, then sees ours.
            current = meeting_fingerprint(meeting_id, for_update=True)
            posted = request.POST.get(FINGERPRINT_FIELD, "")
            confirmed = (
                SAVE_ANYWAY in request.POST and request.POST.get(CURRENT_FINGERPRINT) == current
            )
            if posted and posted != current and not confirmed:
                who, when = last_change(meeting_id)
                url = reverse(
                    f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                    args=[meeting_id],
                    current_app=self.admin_site.name,
                )
                conflict = EditConflict(current, who, when, url)
                request.POST, conflict.dropped_rows = drop_rows_deleted_meanwhile(
                    request.POST, meeting_id, self.inline_prefixes()
                )
                setattr(request, CONFLICT_ATTR, conflict)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        conflict = getattr(request, CONFLICT_ATTR, None)
        if conflict is not None and change and "adminform" in context:
            context["edit_conflict"] = conflict
            context["edit_differences"] = conflict.dropped_rows + conflict_differences(
                context["adminform"].form, context.get("inline_admin_formsets", [])
            )
        response = super().render_change_form(request, context, add, change, form_url, obj)
        if add or not isinstance(response, TemplateResponse):
            return response
        # Wrap whichever change form template the admin chose, to add the hidden field.
        names = response.template_name
        response.context_data["concurrency_base_template"] = select_template(
            [names] if isinstance(names, str) else names
        )
        response.template_name = self.concurrency_template
        if "edit_conflict" in context:
            response.status_code = 409
        return response
