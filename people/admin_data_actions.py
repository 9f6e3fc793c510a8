"""Admin actions on people for the GDPR: export everything about them, anonymise them.

Register in people/admin.py::

    from .admin_data_actions import anonymise_people, export_people_json

    class PersonAdmin(HistoryAdmin):
        actions = [export_people_json, anonymise_people]
"""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .data import person_anonymise, person_export, person_free_text_mentions
from .models import Person

# Anonymising rewrites protocol lines, so it needs the right to change them too.
ANONYMISE_PERMISSIONS = [
    "people.change_person",
    "meetings.change_attendance",
    "meetings.change_actionitem",
    "meetings.change_meeting",
]


@admin.action(
    description=gettext_lazy("Download everything about the selected people (JSON)"),
    permissions=["view"],
)
def export_people_json(modeladmin, request: HttpRequest, queryset: QuerySet[Person]):
    people = [person_export(person=person) for person in queryset.order_by("name", "pk")]
    content = json.dumps(people, ensure_ascii=False, indent=2)
    response = HttpResponse(content, content_type="application/json; charset=utf-8")
    filename = f"personuppgifter-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    return response


@admin.action(
    description=gettext_lazy("Anonymise the selected people in every protocol"),
    permissions=["change"],
)
def anonymise_people(modeladmin, request: HttpRequest, queryset: QuerySet[Person]):
    if not request.user.has_perms(ANONYMISE_PERMISSIONS):
        modeladmin.message_user(
            request,
            _(
                "You may not change protocols, so you cannot anonymise people. Ask an administrator."
            ),
            messages.ERROR,
        )
        return None

    if request.POST.get("post") == "yes":
        changed = 0
        mentions = []
        with transaction.atomic():  # all the selected people, or none of them
            for person in queryset:
                changed += person_anonymise(person=person, by=request.user)
                mentions += person_free_text_mentions(person=person)
        modeladmin.message_user(
            request,
            ngettext(
                "Anonymised. %(count)d line in the protocols was changed.",
                "Anonymised. %(count)d lines in the protocols were changed.",
                changed,
            )
            % {"count": changed},
            messages.SUCCESS,
        )
        if mentions:
            links = format_html_join(
                ", ",
                '<a href="{}">{}</a>',
                (
                    (reverse("admin:meetings_meeting_change", args=[m.pk]), str(m))
                    for m in sorted(set(mentions), key=lambda m: m.date)
                ),
            )
            modeladmin.message_user(
                request,
                format_html(
                    "{} {}",
                    _(
                        "The name is still written in the text of these protocols. Change it by hand:"
                    ),
                    links,
                ),
                messages.WARNING,
            )
        return None  # back to the list of people

    people = queryset.annotate(
        attendance_count=Count("attendances", distinct=True),
        action_item_count=Count("action_items", distinct=True),
    ).order_by("name")
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Anonymise in every protocol?"),
        "subtitle": None,
        "people": people,
        "queryset": queryset,
        "opts": opts,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "action_name": "anonymise_people",
        "media": modeladmin.media,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, "people/my_data_anonymise_confirmation.html", context)
