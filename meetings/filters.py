from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from organisations.models import Organisation
from projects.models import WorkingGroup

from . import search
from .models import (
    ActionItem,
    AgendaItem,
    AgendaItemWorkingGroup,
    Attendance,
    Decision,
    Meeting,
    MeetingSeries,
    PublishedCount,
    SearchEntry,
)


class NamedChoiceIterator(ModelChoiceIterator):
    """The options as (value, name) pairs straight from the database: a select of every
    working group or organisation needs no model instance per option."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list(self.field.to_field_name, "name")


class NamedModelChoiceField(django_filters.fields.ModelChoiceField):
    iterator = NamedChoiceIterator


class NamedModelChoiceFilter(django_filters.ModelChoiceFilter):
    """Chooses a row by its slug; validation still reads the row, the options do not."""

    field_class = NamedModelChoiceField


class ProtocolFilters(django_filters.FilterSet):
    """Filters the archive and the search share. Invalid values are dropped (the views
    are not strict), never a 500. Subclasses say what a working group's rows are."""

    series = NamedModelChoiceFilter(
        label=_("Meeting series"),
        queryset=MeetingSeries.objects.order_by("name"),
        to_field_name="slug",
        empty_label=_("All series"),
    )
    year = django_filters.ChoiceFilter(
        label=_("Year"),
        choices=(),  # set per page in __init__
        method="filter_year",
        empty_label=_("All years"),
    )
    working_group = NamedModelChoiceFilter(
        label=_("Working group"),
        queryset=WorkingGroup.objects.order_by("name"),
        to_field_name="slug",
        method="filter_working_group",
        empty_label=_("All working groups"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Once per page: a callable would run its query for the check and again to render.
        years = PublishedCount.objects.years()
        self.form.fields["year"].choices = [(year, str(year)) for year in years]

    def filter_year(self, queryset, name, value):
        year = int(value)  # a valid choice, so an integer; a range can use the date index
        return queryset.filter(date__gte=f"{year}-01-01", date__lt=f"{year + 1}-01-01")


class MeetingArchiveFilter(ProtocolFilters):
    """The archive's filters."""

    q = django_filters.CharFilter(
        label=_("Words"),
        method="filter_text",
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    organisation = NamedModelChoiceFilter(
        label=_("Organisation"),
        queryset=Organisation.objects.order_by("name"),
        to_field_name="slug",
        method="filter_organisation",
        empty_label=_("All organisations"),
    )

    class Meta:
        model = Meeting
        fields = ["q", "series", "year", "working_group", "organisation"]

    def filter_working_group(self, queryset, name, value):
        items = AgendaItem.objects.filter(meeting=OuterRef("pk"), working_groups=value)
        return queryset.filter(Exists(items))

    def filter_organisation(self, queryset, name, value):
        attended = Attendance.objects.filter(meeting=OuterRef("pk"), organisations=value)
        assigned = ActionItem.objects.filter(meeting=OuterRef("pk"), assigned_organisations=value)
        return queryset.filter(Exists(attended) | Exists(assigned))

    def filter_text(self, queryset, name, value):
        words = value.split()
        if not words:
            return queryset
        for word in words[:10]:  # every word must occur somewhere in the protocol
            items = AgendaItem.objects.filter(
                Q(title__icontains=word) | Q(body__icontains=word), meeting=OuterRef("pk")
            )
            decisions = Decision.objects.filter(text__icontains=word, meeting=OuterRef("pk"))
            actions = ActionItem.objects.filter(text__icontains=word, meeting=OuterRef("pk"))
            queryset = queryset.filter(
                Q(theme__icontains=word) | Exists(items) | Exists(decisions) | Exists(actions)
            )
        return queryset


class SearchFilter(ProtocolFilters):
    """The search page: the words, and filters that narrow the results down."""

    q = django_filters.CharFilter(
        label=_("Search for"),
        method="filter_words",
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=SearchEntry.Kind.choices, empty_label=_("Everything")
    )

    class Meta:
        model = SearchEntry
        fields = ["q", "kind", "series", "year", "working_group"]

    @property
    def words(self) -> str:
        """The words as they are searched; call ``is_valid()`` first."""
        return search.search_words(self.form.cleaned_data.get("q") or "")

    def filter_queryset(self, queryset):
        """The filters first, then the words: the words rank a bounded set (search.match)."""
        for name, value in self.form.cleaned_data.items():
            if name != "q":
                queryset = self.filters[name].filter(queryset, value)
        return search.match(queryset, self.words)

    def filter_words(self, queryset, name, value):
        return queryset  # applied last, in filter_queryset

    def filter_working_group(self, queryset, name, value):
        items = AgendaItemWorkingGroup.objects.filter(working_group=value)
        return queryset.filter(
            Q(working_group=value) | Q(agenda_item__in=items.values("agenda_item_id"))
        )
