from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from organisations.models import split_aliases


class PublicationLevel(models.TextChoices):
    """How a person's name may appear on pages that anyone can read (see DOMAIN.md)."""

    FULL_NAME = "full_name", _("Full name")
    INITIALS = "initials", _("Initials")
    ROLE_AND_ORGANISATION = "role", _("Role and organisation only")


def public_name_prefetch(path: str = "") -> models.Prefetch:
    """What a person's publication level and public name read (their affiliations), in one
    query: ``prefetch_related(public_name_prefetch("person__"))``."""
    return models.Prefetch(
        f"{path}affiliations", queryset=Affiliation.objects.select_related("organisation")
    )


class Person(models.Model):
    name = models.CharField(_("name"), max_length=200)
    aliases = models.TextField(
        _("other names and spellings"),
        blank=True,
        help_text=_("One per line: nicknames and spellings the protocols use, such as “Bosse”."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    publication_level = models.CharField(
        _("publication level"),
        max_length=16,
        choices=PublicationLevel.choices,
        blank=True,
        help_text=_(
            "How the name appears on public pages. Empty means the default: full name for "
            "officials of a municipal department, otherwise role and organisation."
        ),
    )
    email_notifications = models.BooleanField(
        _("email when a protocol is published"),
        default=True,
        help_text=_("One email per protocol about the groups and meetings the person follows."),
    )
    created_by_import = models.BooleanField(_("created by import"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["name"], name="person_name_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def alias_list(self) -> list[str]:
        return split_aliases(self.aliases)

    def current_affiliations(self, on: datetime.date | None = None) -> list[Affiliation]:
        """Uses prefetched affiliations when the caller prefetched them."""
        on = on or timezone.localdate()
        return [a for a in self.affiliations.all() if a.is_current(on)]

    @property
    def effective_publication_level(self) -> str:
        if self.publication_level:
            return self.publication_level
        if any(a.organisation and a.organisation.is_municipal for a in self.current_affiliations()):
            return PublicationLevel.FULL_NAME
        return PublicationLevel.ROLE_AND_ORGANISATION


class Affiliation(models.Model):
    """A person's role in (or beside) an organisation over a period of time."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="affiliations"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="affiliations",
    )
    role = models.CharField(
        _("role"),
        max_length=200,
        blank=True,
        help_text=_("For example brukarutvecklare or HR-chef."),
    )
    start = models.DateField(_("from"), null=True, blank=True)
    end = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["person", "-start"]
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True)
                | Q(start__isnull=True)
                | Q(end__gte=models.F("start")),
                name="affiliation_end_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(organisation__isnull=False) | ~Q(role=""),
                name="affiliation_has_organisation_or_role",
                violation_error_message=_("Give an organisation, a role or both."),
            ),
        ]

    def __str__(self) -> str:
        return ", ".join(part for part in (self.role, self.organisation_label) if part)

    @property
    def organisation_label(self) -> str:
        return self.organisation.name if self.organisation else ""

    def is_current(self, on: datetime.date) -> bool:
        return (self.start is None or self.start <= on) and (self.end is None or self.end >= on)


class Follow(models.Model):
    """A user follows a working group or a meeting series, to hear when its protocols come."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="follows",
    )
    working_group = models.ForeignKey(
        "projects.WorkingGroup",
        verbose_name=_("working group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follows",
    )
    series = models.ForeignKey(
        "meetings.MeetingSeries",
        verbose_name=_("meeting series"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follows",
    )
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        ordering = ["user", "created_at"]
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.CheckConstraint(
                condition=Q(working_group__isnull=False, series__isnull=True)
                | Q(working_group__isnull=True, series__isnull=False),
                name="follow_exactly_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "working_group"],
                condition=Q(working_group__isnull=False),
                name="follow_group_once",
            ),
            models.UniqueConstraint(
                fields=["user", "series"],
                condition=Q(series__isnull=False),
                name="follow_series_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.working_group or self.series}"
