"""Atom feed of newly published protocols.

Only published protocols, and of each only its title, link and the titles of its agenda
items: no names of people (attendance, signatures and approvers stay out).
"""

from __future__ import annotations

import re

from django.contrib.sites.shortcuts import get_current_site
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch
from django.http.request import split_domain_port
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .models import AgendaItem, Meeting
from .policy import PublicNames, public_text

FEED_SIZE = 30
TAG_AUTHORITY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")


class PublishedProtocolsFeed(Feed):
    feed_type = Atom1Feed
    title = _("Newly published protocols")
    subtitle = _("Protocols from the meetings of the network, the most recently published first.")
    author_name = "Delaktig"

    def get_object(self, request, *args, **kwargs):
        # The host names the entries' ids (RFC 4151 tag URIs); the domain is all we keep.
        domain, _port = split_domain_port(get_current_site(request).domain)
        return domain if TAG_AUTHORITY.fullmatch(domain) else "delaktig"

    def link(self):
        return reverse("meetings:archive")

    def items(self, domain):
        meetings = list(
            Meeting.objects.published()
            .select_related("series")
            .prefetch_related(
                Prefetch("agenda_items", queryset=AgendaItem.objects.order_by("order"))
            )
            .order_by("-published_at", "-pk")[:FEED_SIZE]
        )
        names = PublicNames.for_texts(
            text
            for meeting in meetings
            for text in (meeting.theme, *(item.title for item in meeting.agenda_items.all()))
        )
        for meeting in meetings:
            meeting.public_names = names
            # Stable when the series is renamed or the date corrected, unlike the link.
            meeting.feed_id = f"tag:{domain},2016:meeting-{meeting.pk}"
        return meetings

    def item_title(self, meeting: Meeting) -> str:
        return meeting.title

    def item_link(self, meeting: Meeting) -> str:
        return meeting.get_absolute_url()

    def item_guid(self, meeting: Meeting) -> str:
        return meeting.feed_id

    def item_description(self, meeting: Meeting) -> str:
        """The titles of the agenda items, as HTML (Atom ``summary type="html"``)."""
        items = format_html_join(
            "",
            "<li>{}</li>",
            ((public_text(i.title, meeting.public_names),) for i in meeting.agenda_items.all()),
        )
        theme = public_text(meeting.theme, meeting.public_names)
        theme = format_html("<p>{}</p>", theme) if theme else ""
        return format_html("{}<ol>{}</ol>", theme, items) if items else theme

    def item_pubdate(self, meeting: Meeting):
        return meeting.published_at

    def item_updateddate(self, meeting: Meeting):
        return meeting.published_at
