"""Every database constraint a staff form can hit ends in a Swedish form error, never a 500.

Django's model forms check model constraints, but an inline formset leaves out the
constraints that involve the meeting (its foreign key is excluded from the row forms),
only compares the rows of the formset with each other, and saves the rows one at a
time, so two rows exchanging numbers would trip the unique constraint half way.
"""

import datetime

import pytest
from django.urls import reverse

from meetings.models import ActionItem, AgendaItem, Attendance, Meeting
from tests.factories import (
    ActionItemFactory,
    AgendaItemFactory,
    AttendanceFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    PersonFactory,
)
from tests.meetings.admin_forms import (
    add_row,
    change_form_data,
    change_url,
    form_errors,
    set_row,
)

pytestmark = pytest.mark.django_db

INLINES = ["attendances", "agenda_items", "decisions", "action_items"]


def add_form_data(series, *, date="2017-01-23", **inlines) -> dict:
    """POST data for the meeting add page: the meeting and its inline rows."""
    data = {
        "series": series.pk,
        "date": date,
        "start_time": "13:30",
        "place": "Bryggan",
        "status": "held",
        "protocol_state": "draft",
    }
    for prefix in INLINES:
        rows = inlines.get(prefix, [])
        data |= {
            f"{prefix}-TOTAL_FORMS": len(rows),
            f"{prefix}-INITIAL_FORMS": 0,
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
        for index, row in enumerate(rows):
            data |= {f"{prefix}-{index}-{field}": value for field, value in row.items()}
    return data


def item_row(order, title: str) -> dict:
    return {"order": order, "level": 1, "title": title, "kind": "discussion"}


def field_errors(form, field: str) -> list[str]:
    return [str(message) for message in form.errors.get(field, [])]


def inline_forms(response, prefix: str) -> list:
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.prefix == prefix:
            return inline.formset.forms
    raise KeyError(prefix)


@pytest.fixture
def meeting_with_items():
    meeting = MeetingFactory()
    first = AgendaItemFactory(meeting=meeting, order=1, title="Lokaler")
    second = AgendaItemFactory(meeting=meeting, order=2, title="Sysselsättning")
    return meeting, first, second


def orders(meeting) -> list[tuple[int, str]]:
    return list(meeting.agenda_items.order_by("order").values_list("order", "title"))


# Agenda items in the meeting's inline


def test_two_new_items_with_the_same_number_name_the_number_on_the_field(staff_client):
    data = add_form_data(
        MeetingSeriesFactory(),
        agenda_items=[item_row(4, "Lokaler"), item_row(4, "Sysselsättning")],
    )
    response = staff_client.post(reverse("admin:meetings_meeting_add"), data)

    assert response.status_code == 200
    assert "Punktnummer 4 används redan på det här mötet." in response.content.decode()
    second = inline_forms(response, "agenda_items")[1]
    assert field_errors(second, "order") == ["Punktnummer 4 används redan på det här mötet."]
    assert not Meeting.objects.exists()
    assert not AgendaItem.objects.exists()


def test_an_item_taking_the_number_of_a_kept_item_is_a_form_error(staff_client, meeting_with_items):
    meeting, first, second = meeting_with_items
    data = change_form_data(staff_client, meeting)
    set_row(data, "agenda_items", second, order=1, body="Ändrad text")

    response = staff_client.post(change_url(meeting), data)

    assert response.status_code == 200, form_errors(response)
    assert "Punktnummer 1 används redan på det här mötet." in response.content.decode()
    assert orders(meeting) == [(1, "Lokaler"), (2, "Sysselsättning")]
    second.refresh_from_db()
    assert second.body != "Ändrad text"


def test_two_items_exchanging_their_numbers_are_saved(staff_client, meeting_with_items):
    meeting, first, second = meeting_with_items
    data = change_form_data(staff_client, meeting)
    set_row(data, "agenda_items", first, order=2)
    set_row(data, "agenda_items", second, order=1)

    response = staff_client.post(change_url(meeting), data)

    assert response.status_code == 302, form_errors(response)
    assert orders(meeting) == [(1, "Sysselsättning"), (2, "Lokaler")]


def test_an_item_taking_the_number_another_item_gives_up_is_saved(staff_client, meeting_with_items):
    meeting, first, second = meeting_with_items
    data = change_form_data(staff_client, meeting)
    # The first row takes 2 before the second row has moved on to 3.
    set_row(data, "agenda_items", first, order=2)
    set_row(data, "agenda_items", second, order=3)
    add_row(data, "agenda_items", **item_row(1, "Välkommen"))

    response = staff_client.post(change_url(meeting), data)

    assert response.status_code == 302, form_errors(response)
    assert orders(meeting) == [(1, "Välkommen"), (2, "Lokaler"), (3, "Sysselsättning")]


def test_an_item_taking_the_number_of_a_deleted_item_is_saved(staff_client, meeting_with_items):
    meeting, first, second = meeting_with_items
    data = change_form_data(staff_client, meeting)
    set_row(data, "agenda_items", first, order=2)
    set_row(data, "agenda_items", second, DELETE="on")

    response = staff_client.post(change_url(meeting), data)

    assert response.status_code == 302, form_errors(response)
    assert orders(meeting) == [(2, "Lokaler")]


def test_a_new_item_taking_a_number_saved_meanwhile_is_a_form_error(
    staff_client, meeting_with_items
):
    """An item added on its own page after the meeting page was opened is not in the formset."""
    meeting, first, second = meeting_with_items
    data = change_form_data(staff_client, meeting)
    AgendaItemFactory(meeting=meeting, order=3, title="Övrigt")
    data.pop("edit_fingerprint", None)  # a form without the edit check: only the constraint
    add_row(data, "agenda_items", **item_row(3, "Nästa möte"))

    response = staff_client.post(change_url(meeting), data)

    assert response.status_code == 200, form_errors(response)
    new = inline_forms(response, "agenda_items")[2]
    assert field_errors(new, "order") == ["Punktnummer 3 används redan på det här mötet."]
    assert orders(meeting) == [(1, "Lokaler"), (2, "Sysselsättning"), (3, "Övrigt")]


def test_a_new_item_without_a_number_goes_after_items_saved_meanwhile(
    staff_client, meeting_with_items
):
    meeting, first, second = meeting_with_items
    data = change_form_data(staff_client, meeting)
    AgendaItemFactory(meeting=meeting, order=3, title="Övrigt")
    data.pop("edit_fingerprint", None)
    add_row(data, "agenda_items", **item_row("", "Nästa möte"))

    response = staff_client.post(change_url(meeting), data)

    assert response.status_code == 302, form_errors(response)
    assert orders(meeting)[-1] == (4, "Nästa möte")


# Agenda items on their own admin page


def test_an_item_page_refuses_a_number_another_item_of_the_meeting_has(
    staff_client, meeting_with_items
):
    meeting, first, second = meeting_with_items
    response = staff_client.post(
        reverse("admin:meetings_agendaitem_change", args=[second.pk]),
        {"meeting": meeting.pk, "order": 1, "level": 1, "kind": "discussion", "title": "Ny"},
    )

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert field_errors(form, "order") == ["Punktnummer 1 används redan på det här mötet."]
    assert orders(meeting) == [(1, "Lokaler"), (2, "Sysselsättning")]


def test_an_item_added_on_its_own_page_with_a_taken_number_is_a_form_error(
    staff_client, meeting_with_items
):
    meeting, first, second = meeting_with_items
    response = staff_client.post(
        reverse("admin:meetings_agendaitem_add"),
        {"meeting": meeting.pk, "order": 2, "level": 1, "kind": "discussion", "title": "Ny"},
    )

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert field_errors(form, "order") == ["Punktnummer 2 används redan på det här mötet."]
    assert meeting.agenda_items.count() == 2


# Attendance


def test_the_same_person_twice_in_the_inline_is_a_form_error(staff_client):
    person = PersonFactory(name="Per Lind")
    data = add_form_data(
        MeetingSeriesFactory(),
        attendances=[
            {"order": 1, "person": person.pk, "status": "present"},
            {"order": 2, "person": person.pk, "status": "present"},
        ],
    )
    response = staff_client.post(reverse("admin:meetings_meeting_add"), data)

    assert response.status_code == 200
    second = inline_forms(response, "attendances")[1]
    assert field_errors(second, "person") == ["Per Lind står redan med på det här mötet."]
    assert not Attendance.objects.exists()


def test_a_person_listed_meanwhile_is_a_form_error(staff_client):
    meeting = MeetingFactory()
    person = PersonFactory(name="Per Lind")
    data = change_form_data(staff_client, meeting)
    AttendanceFactory(meeting=meeting, person=person)  # on another page, after the GET
    data.pop("edit_fingerprint", None)
    add_row(data, "attendances", order=1, person=person.pk, status="present")

    response = staff_client.post(change_url(meeting), data)

    assert response.status_code == 200, form_errors(response)
    row = inline_forms(response, "attendances")[0]
    assert field_errors(row, "person") == ["Per Lind står redan med på det här mötet."]
    assert meeting.attendances.count() == 1


def test_two_attendance_rows_exchanging_their_people_are_saved(staff_client):
    meeting = MeetingFactory()
    anna, bo = PersonFactory(name="Anna Ek"), PersonFactory(name="Bo Lind")
    first = AttendanceFactory(meeting=meeting, person=anna, name_as_written="")
    second = AttendanceFactory(meeting=meeting, person=bo, name_as_written="Bo Lind")
    data = change_form_data(staff_client, meeting)
    set_row(data, "attendances", first, person=bo.pk, name_as_written="Bo Lind")
    set_row(data, "attendances", second, person=anna.pk, name_as_written="Anna Ek")

    response = staff_client.post(change_url(meeting), data)

    assert response.status_code == 302, form_errors(response)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.person, first.name_as_written) == (bo, "Bo Lind")
    assert (second.person, second.name_as_written) == (anna, "Anna Ek")


def test_an_attendance_row_without_person_or_name_is_a_form_error(staff_client):
    data = add_form_data(
        MeetingSeriesFactory(),
        attendances=[{"order": 1, "affiliation_as_written": "Bryggan", "status": "present"}],
    )
    response = staff_client.post(reverse("admin:meetings_meeting_add"), data)

    assert response.status_code == 200
    row = inline_forms(response, "attendances")[0]
    assert field_errors(row, "name_as_written") == ["Välj en person eller skriv ett namn."]
    assert not Meeting.objects.exists()


# The meeting itself


def test_a_second_meeting_of_the_series_on_the_same_day_is_a_form_error(staff_client):
    existing = MeetingFactory(date=datetime.date(2017, 1, 23))
    data = add_form_data(existing.series, date="2017-01-23")

    response = staff_client.post(reverse("admin:meetings_meeting_add"), data)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert field_errors(form, "date") == ["Den här mötesserien har redan ett möte det datumet."]
    assert Meeting.objects.count() == 1


def test_moving_a_meeting_onto_the_day_of_another_is_a_form_error(staff_client):
    other = MeetingFactory(date=datetime.date(2017, 1, 23))
    meeting = MeetingFactory(series=other.series, date=datetime.date(2017, 2, 6))
    data = change_form_data(staff_client, meeting)
    data["date"] = "2017-01-23"

    response = staff_client.post(change_url(meeting), data)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert field_errors(form, "date") == ["Den här mötesserien har redan ett möte det datumet."]
    meeting.refresh_from_db()
    assert meeting.date == datetime.date(2017, 2, 6)


def test_a_meeting_ending_before_it_starts_is_a_form_error(staff_client):
    data = add_form_data(MeetingSeriesFactory())
    data |= {"start_time": "13:30", "end_time": "12:00"}

    response = staff_client.post(reverse("admin:meetings_meeting_add"), data)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert field_errors(form, "end_time") == ["Mötet måste sluta efter att det har börjat."]
    assert not Meeting.objects.exists()


# Action items on their own admin page


def test_an_action_item_page_without_assignees_is_a_form_error(staff_client):
    action = ActionItemFactory(text="Kolla upp lokalen.")
    response = staff_client.post(
        reverse("admin:meetings_actionitem_change", args=[action.pk]),
        {"meeting": action.meeting_id, "text": "Kolla upp lokalen igen.", "status": "open"},
    )

    assert response.status_code == 200
    assert "Säg vem som ska göra det" in response.content.decode()
    action.refresh_from_db()
    assert action.text == "Kolla upp lokalen."


def test_an_action_item_page_with_an_item_of_another_meeting_is_a_form_error(staff_client):
    action = ActionItemFactory()
    person = PersonFactory()
    other_item = AgendaItemFactory(title="Annat mötes punkt")
    response = staff_client.post(
        reverse("admin:meetings_actionitem_change", args=[action.pk]),
        {
            "meeting": action.meeting_id,
            "agenda_item": other_item.pk,
            "text": "Kolla upp lokalen.",
            "assigned_people": [person.pk],
            "status": "open",
        },
    )

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert field_errors(form, "agenda_item") == ["Välj en punkt från samma möte."]
    assert ActionItem.objects.get().agenda_item is None
