from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from meetings.models import Meeting
from people.models import Person, PublicationLevel, public_name_prefetch

from .models import Organisation

LATEST_MEETINGS = 20


class OrganisationListView(ListView):
    template_name = "organisations/organisation_list.html"

    def get_queryset(self):
        return Organisation.objects.select_related("parent").order_by("name")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organisations = list(context["object_list"])
        context["organisations_by_kind"] = [
            (kind.label, [o for o in organisations if o.kind == kind])
            for kind in Organisation.Kind
            if any(o.kind == kind for o in organisations)
        ]
        return context


class OrganisationDetailView(DetailView):
    template_name = "organisations/organisation_detail.html"
    context_object_name = "organisation"

    def get_object(self, queryset=None):
        queryset = Organisation.objects.select_related("parent").prefetch_related(
            "children", "working_groups"
        )
        return get_object_or_404(queryset, slug=self.kwargs["slug"])

    def get_context_data(self, **kwargs):
        organisation = self.object
        people = (
            Person.objects.filter(affiliations__organisation=organisation)
            .distinct()
            .prefetch_related(public_name_prefetch())
            .order_by("name")
        )
        # Only people who chose to be named (or are officials) are listed on the open site.
        named = [
            p
            for p in people
            if p.effective_publication_level != PublicationLevel.ROLE_AND_ORGANISATION
            and any(a.organisation_id == organisation.pk for a in p.current_affiliations())
        ]
        attended = (
            Meeting.objects.published()
            .filter(attendances__organisations=organisation)
            .distinct()
            .select_related("series")
            .order_by("-date")
        )
        return super().get_context_data(
            people=named,
            meetings=attended[:LATEST_MEETINGS],
            more_meetings=attended.count() > LATEST_MEETINGS,
            **kwargs,
        )
