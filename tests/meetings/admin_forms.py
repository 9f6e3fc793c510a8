"""POST data for the meeting admin's change page, as a browser would send it.

``change_form_data`` opens the page and reads back every field of the meeting form and
of the rows of its inlines (with their management forms), including the hidden edit
fingerprint. Tests then change a few values and post the dict.
"""

from __future__ import annotations

from django.urls import reverse


def change_url(meeting) -> str:
    return reverse("admin:meetings_meeting_change", args=[meeting.pk])


def form_values(form) -> dict:
    """The values a browser would post for an unbound form as rendered."""
    data = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False or value == []:
            continue
        data[bound.html_name] = "on" if value is True else value
    return data


def change_form_data(client, meeting) -> dict:
    """GET the change page of ``meeting`` and return what posting it unchanged would send."""
    return admin_change_data(client, change_url(meeting))


def admin_change_data(client, url: str) -> dict:
    """GET an admin change page and return what posting it unchanged would send."""
    response = client.get(url)
    assert response.status_code == 200
    data = form_values(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data |= form_values(formset.management_form)
        data[f"{formset.prefix}-TOTAL_FORMS"] = formset.initial_form_count()
        for form in formset.initial_forms:
            data |= form_values(form)
    return data


def resubmit_data(response) -> dict:
    """What the browser posts when the re-shown page is submitted as it is."""
    data = form_values(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data |= form_values(formset.management_form)
        for form in formset.forms:
            data |= form_values(form)
    return data


def row_index(data: dict, prefix: str, obj) -> int:
    """The index of the inline row that edits ``obj``."""
    for index in range(int(data[f"{prefix}-TOTAL_FORMS"])):
        if str(data.get(f"{prefix}-{index}-id")) == str(obj.pk):
            return index
    raise KeyError(f"no {prefix} row for {obj!r}")


def set_row(data: dict, prefix: str, obj, **values) -> None:
    index = row_index(data, prefix, obj)
    data |= {f"{prefix}-{index}-{field}": value for field, value in values.items()}


def add_row(data: dict, prefix: str, **values) -> None:
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = index + 1
    data |= {f"{prefix}-{index}-{field}": value for field, value in values.items()}


def form_errors(response) -> list:
    """Every error of a re-shown change page, for assertion messages."""
    if not response.context or "adminform" not in response.context:
        return []
    return [
        response.context["adminform"].form.errors,
        *[
            (fs.formset.prefix, fs.formset.errors, fs.formset.non_form_errors())
            for fs in response.context["inline_admin_formsets"]
        ],
    ]
