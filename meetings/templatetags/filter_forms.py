"""The archive's and the search's filter fields, rendered in Python.

These forms have selects with hundreds of options (every working group and
organisation). Django's widget templates and crispy-forms render each option through
a template, which cost more than the rest of the archive page put together; here a
field is a few ``format_html`` calls and one join of escaped options. Same markup as
crispy's Bootstrap 5 fields.
"""

from __future__ import annotations

from html import escape

from django import forms, template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def filter_field(field: forms.BoundField) -> str:
    field_id = field.id_for_label
    errors = format_html_join(
        "", '<div class="invalid-feedback d-block">{}</div>', ((e,) for e in field.errors)
    )
    invalid = " is-invalid" if field.errors else ""
    value = field.value()
    value = "" if value is None else str(value)
    if isinstance(field.field.widget, forms.Select):
        # html.escape, not Django's lazy-aware escape: hundreds of options per select.
        options = mark_safe(  # noqa: S308 - every value and label is escaped
            "".join(
                f'<option value="{escape(str(choice))}"'
                f"{' selected' if str(choice) == value else ''}>{escape(str(label))}</option>"
                for choice, label in field.field.choices
            )
        )
        control = format_html(
            '<select class="form-select{}" id="{}" name="{}">{}</select>',
            invalid,
            field_id,
            field.html_name,
            options,
        )
    else:
        widget = field.field.widget
        control = format_html(
            '<input class="form-control{}" type="{}" id="{}" name="{}" value="{}"{}>',
            invalid,
            widget.attrs.get("type", widget.input_type),
            field_id,
            field.html_name,
            value,
            format_html(' maxlength="{}"', field.field.max_length)
            if getattr(field.field, "max_length", None)
            else "",
        )
    return format_html(
        '<div class="mb-3"><label class="form-label" for="{}">{}</label>{}{}</div>',
        field_id,
        field.label,
        control,
        errors,
    )
