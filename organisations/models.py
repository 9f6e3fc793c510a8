from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


def split_aliases(text: str) -> list[str]:
    """Aliases are typed one per line (or comma separated) in the admin."""
    return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


class Organisation(models.Model):
    class Kind(models.TextChoices):
        MUNICIPAL_DEPARTMENT = "municipal_department", _("Municipal department")
        ASSOCIATION = "association", _("Association")
        NATIONAL_ORGANISATION = "national_organisation", _("National organisation")
        PUBLIC_AUTHORITY = "public_authority", _("Public authority")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    short_name = models.CharField(
        _("short name"), max_length=50, blank=True, help_text=_("For example SOF or AMF.")
    )
    aliases = models.TextField(
        _("other names"),
        blank=True,
        help_text=_("One per line: other names the protocols use, such as “Bryggan”."),
    )
    kind = models.CharField(
        _("kind"), max_length=32, choices=Kind.choices, default=Kind.ASSOCIATION
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    created_by_import = models.BooleanField(
        _("created by import"),
        default=False,
        help_text=_("Created automatically from an imported protocol: check the details."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organisations:detail", args=[self.slug])

    @property
    def alias_list(self) -> list[str]:
        return split_aliases(self.aliases)

    @property
    def is_municipal(self) -> bool:
        return self.kind == self.Kind.MUNICIPAL_DEPARTMENT
