"""What happens when public content changes: the search index, the page cache and the
archive's published counts follow.

Connected in ``MeetingsConfig.ready``. Bulk writes (``update()``, ``bulk_create``) send
no signals: code that uses them calls ``content_changed``, ``search.mark_stale`` or
``search.rebuild_index`` and ``PublishedCount.objects.recount()`` itself
(``generate_scale_data`` does).
"""

from __future__ import annotations

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from . import search
from .models import ActionItem, AgendaItem, Decision, Meeting, MeetingSeries, PublishedCount
from .page_cache import content_changed
from .policy import meetings_mentioning

# Apps whose rows public pages show, and the models of theirs that no public page shows.
PUBLIC_APPS = {"meetings", "projects", "organisations", "people"}
PRIVATE_MODELS = {
    "meetings.searchentry",
    "meetings.publicpagesversion",
    "meetings.publishedcount",
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
    from people.models import Affiliation, Person
    from projects.models import WorkingGroup

    if sender is Meeting:
        search.mark_stale("meeting", instance.pk)
    elif sender in (AgendaItem, Decision, ActionItem):
        search.mark_stale("meeting", instance.meeting_id)
    elif sender is MeetingSeries:  # its name is in every protocol's title
        for pk in Meeting.objects.published().filter(series=instance).values_list("pk", flat=True):
            search.mark_stale("meeting", pk)
    elif sender in (Person, Affiliation):  # mentions print the person's public name
        person_id = instance.pk if sender is Person else instance.person_id
        for pk in meetings_mentioning(person_id):
            search.mark_stale("meeting", pk)
    elif sender is WorkingGroup:
        search.mark_stale("group", instance.pk)
    elif sender is Organisation:
        search.mark_stale("organisation", instance.pk)


def _remember_series(sender, instance: Meeting, raw=False, **kwargs) -> None:
    """A meeting moved to another series changes that series' counts too."""
    instance._series_before_save = (
        None
        if raw or instance.pk is None
        else Meeting.objects.filter(pk=instance.pk).values_list("series_id", flat=True).first()
    )


def _recount_published(sender, instance: Meeting, raw=False, **kwargs) -> None:
    if raw:  # loaddata: whoever loads fixtures counts afterwards (recount())
        return
    series = {instance.series_id, getattr(instance, "_series_before_save", None)} - {None}
    PublishedCount.objects.recount(series)


def connect() -> None:
    # Per model, not for every sender: a model with delete listeners loses Django's fast
    # delete, and the search index is deleted and rewritten in bulk.
    for model in apps.get_models():
        if _shown_on_public_pages(model):
            uid = f"public_change_{model._meta.label_lower}"
            post_save.connect(_on_change, sender=model, dispatch_uid=f"{uid}_save")
            post_delete.connect(_on_change, sender=model, dispatch_uid=f"{uid}_delete")
    m2m_changed.connect(_on_m2m_change, dispatch_uid="public_change_m2m")
    pre_save.connect(_remember_series, sender=Meeting, dispatch_uid="published_count_before")
    post_save.connect(_recount_published, sender=Meeting, dispatch_uid="published_count_save")
    post_delete.connect(_recount_published, sender=Meeting, dispatch_uid="published_count_delete")
