"""Database constraints a staff form can hit, as form errors on the right field.

Django's model forms already check a model's constraints, but

- a constraint's error is a form-wide one even when one field is at fault;
- an inline formset's row forms leave out every constraint that involves the parent
  (the foreign key is excluded from their checks), and the formset compares its rows
  only with each other: a row taking a number or a person that a row outside the formset
  (saved meanwhile on another page) has got through and failed as a 500;
- the formset saves its rows one at a time, so two rows exchanging numbers, or a row
  taking the number another row gives up later in the same save, failed half way.

``ConstraintErrorsOnFieldsMixin`` moves constraint errors to a field,
``AgendaItemNumbersMixin`` and ``AttendancePeopleMixin`` check the inline rows against
the rows saved outside the formset and move changed rows out of the way before saving.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Case, F, Value, When
from django.utils.translation import gettext_lazy as _

# Agenda item numbers are a PositiveSmallIntegerField: rows being renumbered wait at the
# top of its range, on numbers no row uses, until they are saved with their new number.
LARGEST_ITEM_NUMBER = 32767


def item_number_taken(number: int) -> ValidationError:
    return ValidationError(
        _("Item number %(number)s is already used in this meeting."),
        code="item_number_taken",
        params={"number": number},
    )


def person_listed(person) -> ValidationError:
    return ValidationError(
        _("%(name)s is already listed for this meeting.") % {"name": person.name},
        code="person_listed",
    )


class ConstraintErrorsOnFieldsMixin:
    """For a ModelForm: show the errors of the named constraints on a field.

    ``constraint_fields`` maps a constraint's name to the field its error belongs to;
    ``constraint_error`` may word the error differently.
    """

    constraint_fields: dict[str, str] = {}

    def constraint_error(self, name: str, error: ValidationError) -> ValidationError:
        return error

    def _post_clean(self) -> None:
        super()._post_clean()
        errors = self._errors.get(NON_FIELD_ERRORS)
        if not errors:
            return
        for constraint in self._meta.model._meta.constraints:
            field = self.constraint_fields.get(constraint.name)
            if field is None or field not in self.fields:
                continue
            message = str(constraint.get_violation_error_message())
            moved = [error for error in errors.data if message in error.messages]
            for error in moved:
                errors.data.remove(error)
                self.add_error(field, self.constraint_error(constraint.name, error))
        if not errors.data:
            del self._errors[NON_FIELD_ERRORS]


class InlineRowsMixin:
    """Helpers for an inline formset: its kept rows and the parent's rows outside it."""

    def _is_kept(self, form) -> bool:
        if not hasattr(form, "cleaned_data") or not form.has_changed() and not form.instance.pk:
            return False
        return not (self.can_delete and self._should_delete_form(form))

    def rows_outside(self):
        """The parent's rows that no form of the formset edits (saved meanwhile elsewhere)."""
        model = self.model
        if self.instance.pk is None:
            return model._default_manager.none()
        in_formset = [form.instance.pk for form in self.initial_forms if form.instance.pk]
        return model._default_manager.filter(**{self.fk.name: self.instance}).exclude(
            pk__in=in_formset
        )

    def rows_to_move(self, field: str) -> list:
        """Saved rows whose ``field`` this save changes or which it deletes."""
        return [
            form.instance.pk
            for form in self.initial_forms
            if form.instance.pk
            and (field in form.changed_data or (self.can_delete and self._should_delete_form(form)))
        ]


class AgendaItemNumbersMixin(InlineRowsMixin):
    """An agenda item's number is unique in its meeting; two rows may exchange numbers."""

    def numbers_outside(self) -> set[int]:
        if not hasattr(self, "_numbers_outside"):
            self._numbers_outside = set(self.rows_outside().values_list("order", flat=True))
        return self._numbers_outside

    def clean(self) -> None:
        self.check_numbers()
        super().clean()

    def check_numbers(self) -> None:
        """Every kept row's number is its own: name the number on the row that took it.

        A row keeping its saved number owns it; of new or renumbered rows, the first.
        """
        kept = [f for f in self.forms if self._is_kept(f) and f.cleaned_data.get("order")]

        def keeps_its_number(form) -> bool:
            return bool(form.instance.pk) and "order" not in form.changed_data

        taken = set(self.numbers_outside())
        for form in sorted(kept, key=lambda f: not keeps_its_number(f)):
            number = form.cleaned_data["order"]
            if number in taken:
                form.add_error("order", item_number_taken(number))
            else:
                taken.add(number)

    def save_existing_objects(self, commit=True):
        if commit:
            self.move_renumbered_rows_aside()
        return super().save_existing_objects(commit)

    def move_renumbered_rows_aside(self) -> None:
        """Park renumbered and deleted rows on unused numbers, so that no row meets
        another's old number while the rows are saved one by one."""
        moving = self.rows_to_move("order")
        if not moving:
            return
        manager = self.model._default_manager
        used = set(manager.filter(**{self.fk.name: self.instance}).values_list("order", flat=True))
        used |= {form.cleaned_data.get("order") for form in self.forms if form.is_valid()}
        free = (n for n in range(LARGEST_ITEM_NUMBER, 0, -1) if n not in used)
        for pk in moving:
            manager.filter(pk=pk).update(order=next(free))


class AttendancePeopleMixin(InlineRowsMixin):
    """A person is listed once per meeting, also against rows saved meanwhile."""

    def clean(self) -> None:
        super().clean()
        outside = set(
            self.rows_outside().filter(person__isnull=False).values_list("person_id", flat=True)
        )
        if not outside:
            return
        for form in self.forms:
            person = form.cleaned_data.get("person") if self._is_kept(form) else None
            if person is not None and person.pk in outside:
                form.add_error("person", person_listed(person))

    def save_existing_objects(self, commit=True):
        if commit:
            self.move_changed_people_aside()
        return super().save_existing_objects(commit)

    def move_changed_people_aside(self) -> None:
        """Rows that change or drop their person let go of it before any row is saved,
        so that two rows may exchange people. A row without a person needs a name
        meanwhile; its saved name is written again when the row is saved."""
        moving = self.rows_to_move("person")
        if moving:
            self.model._default_manager.filter(pk__in=moving, person__isnull=False).update(
                person=None,
                name_as_written=Case(
                    When(name_as_written="", then=Value("-")), default=F("name_as_written")
                ),
            )
