from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.views.generic import ListView

from meetings.models import ActionItem, AgendaItem
from meetings.policy import PublicNames
from people.models import public_name_prefetch

from .models import Membership, WorkingGroup
from .note_views import groups_with_notes_visible_to

OPEN_ACTIONS_SHOWN = 20  # the newest; a group can have hundreds over twenty years

STATUS_ORDER = [
    WorkingGroup.Status.ACTIVE,
    WorkingGroup.Status.FORMING,
    WorkingGroup.Status.IDEA,
    WorkingGroup.Status.PAUSED,
    WorkingGroup.Status.FINISHED,
]


class WorkingGroupListView(ListView):
    template_name = "projects/workinggroup_list.html"

    def get_queryset(self):
        return WorkingGroup.objects.select_related("parent").order_by("name")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        groups = list(context["object_list"])
        context["groups_by_status"] = [
            (status.label, [group for group in groups if group.status == status])
            for status in STATUS_ORDER
            if any(group.status == status for group in groups)
        ]
        return context


class WorkingGroupDetailView(ListView):
    """A group and its timeline: every published agenda item about it, newest first."""

    template_name = "projects/workinggroup_detail.html"
    paginate_by = 25

    def get_group(self) -> WorkingGroup:
        members = Membership.objects.select_related("person").prefetch_related(
            public_name_prefetch("person__")
        )
        queryset = WorkingGroup.objects.select_related(
            "parent", "formed_at__series"
        ).prefetch_related(
            Prefetch("memberships", queryset=members),
            "organisations",
            "children",
        )
        return get_object_or_404(queryset, slug=self.kwargs["slug"])

    def get(self, request, *args, **kwargs):
        self.group = self.get_group()
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return (
            AgendaItem.objects.published()
            .filter(working_groups=self.group)
            .select_related("meeting__series")
            .order_by("-meeting__date", "order")
        )

    def get_context_data(self, **kwargs):
        open_actions = (
            ActionItem.objects.published()
            .open()
            .filter(agenda_item__working_groups=self.group)
            .select_related("meeting__series")
            .prefetch_related(public_name_prefetch("assigned_people__"), "assigned_organisations")
            .order_by("-meeting__date", "pk")
        )
        formed_at = self.group.formed_at
        notes_visible = groups_with_notes_visible_to(self.request.user).filter(pk=self.group.pk)
        context = super().get_context_data(**kwargs)
        shown_actions = list(open_actions[:OPEN_ACTIONS_SHOWN])
        context["names"] = PublicNames.for_texts(
            [text for item in context["object_list"] for text in (item.title, item.body)]
            + [action.text for action in shown_actions]
        )
        return context | dict(
            group=self.group,
            can_see_notes=notes_visible.exists(),
            open_actions=shown_actions,
            open_actions_count=open_actions.count(),
            formed_at=formed_at if formed_at and formed_at.is_published else None,
        )
