from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from organisations.models import split_aliases


class WorkingGroup(models.Model):
    """A working group or project; the network uses the words interchangeably."""

    class Status(models.TextChoices):
        IDEA = "idea", _("Idea")
        FORMING = "forming", _("Forming")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        FINISHED = "finished", _("Finished")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    aliases = models.TextField(
        _("other names"),
        blank=True,
        help_text=_("One per line: other names the protocols use, such as “Po Drom”."),
    )
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    organisations = models.ManyToManyField(
        "organisations.Organisation",
        verbose_name=_("organisations involved"),
        blank=True,
        related_name="working_groups",
    )
    members = models.ManyToManyField(
        "people.Person",
        verbose_name=_("members"),
        through="Membership",
        blank=True,
        related_name="working_groups",
    )
    formed_at = models.ForeignKey(
        "meetings.Meeting",
        verbose_name=_("formed at meeting"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="working_groups_formed",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")
        indexes = [models.Index(fields=["status", "name"], name="workinggroup_status_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("projects:detail", args=[self.slug])

    @property
    def alias_list(self) -> list[str]:
        return split_aliases(self.aliases)


class Membership(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        CONTACT = "contact", _("Contact person")
        MEMBER = "member", _("Member")

    working_group = models.ForeignKey(
        WorkingGroup,
        verbose_name=_("working group"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    since = models.DateField(_("since"), null=True, blank=True)

    class Meta:
        ordering = ["working_group", "role", "person__name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["working_group", "person"],
                name="membership_once_per_group",
                violation_error_message=_("This person is already a member of the group."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"


class GroupNote(models.Model):
    """Internal notes and documents of a working group: only its members and staff see them."""

    working_group = models.ForeignKey(
        WorkingGroup,
        verbose_name=_("working group"),
        on_delete=models.CASCADE,
        related_name="notes",
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True, help_text=_("Markdown."))
    attachment = models.FileField(_("document"), upload_to="group-notes/%Y/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")

    def __str__(self) -> str:
        return self.title
