"""Admin inlines whose page costs the same number of queries however many rows it has.

Django's admin looks up the selected object of every autocomplete widget, and the
choices of every select, once per inline row: a meeting with 20 attendees and 10
items would cost well over 100 queries. Here the inline loads its rows with their
related objects in a few queries (``preload_select_related`` /
``preload_prefetch_related`` on the inline), and the formset hands those objects to each row's widgets.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.db import models


class PreloadedObjectsMixin:
    """An autocomplete widget that takes its selected objects from the formset when it can."""

    preloaded: dict[str, models.Model] | None = None

    def optgroups(self, name, value, attr=None):
        selected = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        if self.preloaded is None or any(pk not in self.preloaded for pk in selected):
            return super().optgroups(name, value, attr)  # e.g. a re-shown POST with new choices
        options = []
        if not self.is_required and not self.allow_multiple_selected:
            options.append(self.create_option(name, "", "", False, 0))
        for pk in selected:
            label = self.choices.field.label_from_instance(self.preloaded[pk])
            options.append(self.create_option(name, pk, label, True, len(options)))
        return [(None, options, 0)]


class PreloadedAutocompleteSelect(PreloadedObjectsMixin, AutocompleteSelect):
    pass


class PreloadedAutocompleteSelectMultiple(PreloadedObjectsMixin, AutocompleteSelectMultiple):
    pass


class PreloadingInlineFormSet(forms.BaseInlineFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        for name, field in form.fields.items():
            widget = getattr(field.widget, "widget", field.widget)  # admin wraps related widgets
            if isinstance(widget, PreloadedObjectsMixin):
                widget.preloaded = self._related_objects(name)
            elif isinstance(field, forms.ModelChoiceField) and name != self.fk.name:
                field.choices = self._choices(name, field)
        return form

    def _related_objects(self, name: str) -> dict[str, models.Model]:
        cache = self.__dict__.setdefault("_related_objects_cache", {})
        if name not in cache:
            objects: dict[str, models.Model] = {}
            for instance in self.get_queryset():
                if instance._meta.get_field(name).many_to_many:
                    related = list(getattr(instance, name).all())
                else:
                    related = [getattr(instance, name)]
                objects |= {str(obj.pk): obj for obj in related if obj is not None}
            cache[name] = objects
        return cache[name]

    def _choices(self, name: str, field: forms.ModelChoiceField) -> list:
        cache = self.__dict__.setdefault("_choices_cache", {})
        if name not in cache:
            cache[name] = list(field.choices)
        return cache[name]


class PreloadingInlineMixin:
    """For admin inlines: preloaded autocomplete widgets and a queryset that loads them."""

    formset = PreloadingInlineFormSet
    preload_select_related: list[str] = []
    preload_prefetch_related: list[str] = []

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset.select_related(*self.preload_select_related).prefetch_related(
            *self.preload_prefetch_related
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget",
                PreloadedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using")),
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget",
                PreloadedAutocompleteSelectMultiple(
                    db_field, self.admin_site, using=kwargs.get("using")
                ),
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)
