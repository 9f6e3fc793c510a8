"""What happens when public content changes: the search index and the page cache follow.

Connected in ``MeetingsConfig.ready``. Bulk writes (``update()``, ``bulk_create``) send
no signals: code that uses them calls ``content_changed`` and ``search.mark_stale`` or
``search.rebuild_index`` itself (``generate_scale_data`` does).
"""

from __future__ import annotations

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save

from . import search
from .models import ActionItem, AgendaItem, Decision, Meeting, MeetingSeries
from .page_cache import content_changed

# Apps whose rows public pages show, and the models of theirs that no public page shows.
PUBLIC_APPS = {"meetings", "projects", "organisations", "people"}
PRIVATE_MODELS = {
    "meetings.searchentry",
    "meetings.publicpagesversion",
    "meetings.protocolnotification",
    "people.follow",
    "projects.groupnote",
}


def _shown_on_public_pages(model) -> bool:
    meta = model._meta
    return (
        meta.app_label in PUBLIC_APPS
        and meta.label_lower not in PRIVATE_MODELS
        and not meta.model_name.startswith("historical")
    )


def _on_change(sender, instance=None, **kwargs) -> None:
    if kwargs.get("raw"):  # loaddata
        return
    content_changed()
    _mark_search_stale(sender, instance)


def _on_m2m_change(sender, instance=None, action="", **kwargs) -> None:
    if action.startswith("post_") and _shown_on_public_pages(type(instance)):
        content_changed()


def _mark_search_stale(sender, instance) -> None:
    from organisations.models import Organisation
    from projects.models import WorkingGroup

    if sender is Meeting:
        search.mark_stale("meeting", instance.pk)
    elif sender in (AgendaItem, Decision, ActionItem):
        search.mark_stale("meeting", instance.meeting_id)
    elif sender is MeetingSeries:  # its name is in every protocol's title
        for pk in Meeting.objects.published().filter(series=instance).values_list("pk", flat=True):
            search.mark_stale("meeting", pk)
    elif sender is WorkingGroup:
        search.mark_stale("group", instance.pk)
    elif sender is Organisation:
        search.mark_stale("organisation", instance.pk)


def connect() -> None:
    # Per model, not for every sender: a model with delete listeners loses Django's fast
    # delete, and the search index is deleted and rewritten in bulk.
    for model in apps.get_models():
        if _shown_on_public_pages(model):
            uid = f"public_change_{model._meta.label_lower}"
            post_save.connect(_on_change, sender=model, dispatch_uid=f"{uid}_save")
            post_delete.connect(_on_change, sender=model, dispatch_uid=f"{uid}_delete")
    m2m_changed.connect(_on_m2m_change, dispatch_uid="public_change_m2m")
