"""Staff pages of one meeting in the admin: publish after a preview, and the names in
its text. Both ask the publication policy (``meetings.policy``) and write through the
services; the admin's meeting page links to them."""

from __future__ import annotations

from csp.constants import SELF
from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods

from people.models import Person

from . import policy
from .models import Meeting
from .services import (
    protocol_name_confirm,
    protocol_name_link,
    protocol_publish,
)
from .views import protocol_page, protocol_queryset

WARNINGS_SHOWN = 5


def _meeting_or_404(object_id: str) -> Meeting:
    meeting = None
    if str(object_id).isdecimal():  # not isdigit(): "²" is a digit that int() refuses
        meeting = Meeting.objects.select_related("series").filter(pk=object_id).first()
    if meeting is None:
        raise Http404
    return meeting


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def change_url(meeting: Meeting) -> str:
    return reverse("admin:meetings_meeting_change", args=[meeting.pk])


def warn_about_text(request: HttpRequest, meeting: Meeting) -> None:
    """After staff save a draft: what in its text would stop publishing, said at once."""
    problems = policy.text_problems(policy.protocol_for_check(meeting.pk))
    if not problems:
        return
    for message in policy.problem_messages(problems)[:WARNINGS_SHOWN]:
        messages.warning(request, message)
    messages.warning(
        request,
        format_html(
            '{} <a href="{}">{}</a>',
            _("The protocol cannot be published like this."),
            reverse("admin:meetings_meeting_names", args=[meeting.pk]),
            _("Go through the names and numbers in the text"),
        ),
    )


@require_http_methods(["GET", "POST"])
def publish_view(request: HttpRequest, object_id: str) -> HttpResponse:
    """The check, a preview of exactly what the public will see, and a confirmation."""
    meeting = _meeting_or_404(object_id)
    _require(request, "meetings.publish_meeting")
    if request.method == "POST" and not meeting.is_published:
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the box to confirm that you have read the preview."))
        else:
            try:
                protocol_publish(meeting=meeting, by=request.user)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(
                    request,
                    format_html(
                        '{} <a href="{}">{}</a>',
                        _("The protocol is published."),
                        meeting.get_absolute_url(),
                        _("Open the public page"),
                    ),
                )
                return HttpResponseRedirect(change_url(meeting))
        return HttpResponseRedirect(request.path)
    problems = policy.publication_problems(policy.protocol_for_check(meeting.pk))
    return render(
        request,
        "admin/meetings/meeting/publish.html",
        {
            **_admin_context(request, meeting, _("Publish %(meeting)s") % {"meeting": meeting}),
            "problems": policy.problem_messages(problems),
            "has_name_problems": any(p.key[0] in ("name", "unlinked") for p in problems),
        },
    )


# Framed by the publish page: both X-Frame-Options and CSP's frame-ancestors say so.
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": [SELF]})
def preview_view(request: HttpRequest, object_id: str) -> HttpResponse:
    """The public page of the protocol as a visitor would get it (inside the publish page)."""
    _require(request, "meetings.view_meeting")
    meeting = protocol_queryset(request.user).filter(pk=_meeting_or_404(object_id).pk).first()
    request.user = AnonymousUser()  # the page's header and menus as a visitor has them
    return protocol_page(request, meeting, user=request.user)


@require_http_methods(["GET", "POST"])
def names_view(request: HttpRequest, object_id: str) -> HttpResponse:
    """Names in the protocol's text: link each to its person, or confirm it may stay."""
    meeting = _meeting_or_404(object_id)
    _require(request, "meetings.view_meeting")
    if request.method == "POST":
        _require(request, "meetings.change_meeting")
        _names_post(request, meeting)
        return HttpResponseRedirect(request.path)
    checked = policy.protocol_for_check(meeting.pk)
    index = policy.NameIndex.load()
    shown = set(meeting.shown_names.values_list("text", flat=True))
    hits: dict[str, dict] = {}
    for place, word, candidates in policy.name_hits(checked, index):
        if word in shown:
            continue
        hit = hits.setdefault(word, {"word": word, "places": [], "candidates": candidates})
        hit["places"].append(place.label)
    people = Person.objects.in_bulk({pk for hit in hits.values() for pk in hit["candidates"]})
    for hit in hits.values():
        hit["places"] = list(dict.fromkeys(hit["places"]))
        hit["people"] = sorted((people[pk] for pk in hit["candidates"]), key=lambda p: p.name)
    unlinked = [
        a
        for a in checked.attendances.all()
        if a.person_id is None and a.name_as_written not in shown
    ]
    numbers = policy.problem_messages(policy.personnummer_problems(checked))
    return render(
        request,
        "admin/meetings/meeting/names.html",
        {
            **_admin_context(request, meeting, _("Names in %(meeting)s") % {"meeting": meeting}),
            "hits": sorted(hits.values(), key=lambda hit: hit["word"]),
            "unlinked": unlinked,
            "numbers": numbers,
            "mentioned": _mentioned_people(checked),
            "can_change": request.user.has_perm("meetings.change_meeting"),
        },
    )


def _names_post(request: HttpRequest, meeting: Meeting) -> None:
    word = request.POST.get("word", "")[:200]
    if request.POST.get("action") == "confirm" and word:
        protocol_name_confirm(meeting=meeting, text=word, by=request.user)
        messages.success(
            request, _("“%(word)s” may be shown as written in this protocol.") % {"word": word}
        )
        return
    person = Person.objects.filter(pk=request.POST.get("person") or 0).first()
    if request.POST.get("action") != "link" or not word or person is None:
        messages.error(request, _("Choose a name and a person."))
        return
    try:
        changed = protocol_name_link(meeting=meeting, word=word, person=person, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return
    messages.success(
        request,
        _("“%(word)s” now points to %(person)s in %(count)d texts; the public sees “%(public)s”.")
        % {
            "word": word,
            "person": person.name,
            "count": changed,
            "public": policy.PublicNames.for_texts([policy.mention(person.pk)]).name(person.pk),
        },
    )


def _mentioned_people(meeting: Meeting) -> list[tuple[str, Person, str]]:
    """(mention, person, public name) for the people the text already mentions."""
    texts = [place.text for place in policy.protocol_text_places(meeting)]
    names = policy.PublicNames.for_texts(texts)
    people = Person.objects.in_bulk(policy.mentioned_ids(texts))
    return [
        (policy.mention(pk), person, names.name(pk))
        for pk, person in sorted(people.items(), key=lambda row: row[1].name)
    ]


def _admin_context(request: HttpRequest, meeting: Meeting, title: str) -> dict:
    from django.contrib import admin

    return {
        **admin.site.each_context(request),
        "title": title,
        "meeting": meeting,
        "opts": Meeting._meta,
        "change_url": change_url(meeting),
    }
