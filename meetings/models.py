from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from organisations.models import split_aliases

# Links from protocol content to people, organisations and groups. The far side is
# PROTECTed so that deleting a record can never silently change a protocol.


class AttendanceOrganisation(models.Model):
    attendance = models.ForeignKey("Attendance", on_delete=models.CASCADE)
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["attendance", "organisation"], name="attendance_organisation_unique"
            )
        ]


class AgendaItemWorkingGroup(models.Model):
    agenda_item = models.ForeignKey("AgendaItem", on_delete=models.CASCADE)
    working_group = models.ForeignKey("projects.WorkingGroup", on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agenda_item", "working_group"], name="agenda_item_working_group_unique"
            )
        ]
        indexes = [
            models.Index(fields=["working_group", "agenda_item"], name="agenda_item_group_idx")
        ]


class ActionItemPerson(models.Model):
    action_item = models.ForeignKey("ActionItem", on_delete=models.CASCADE)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["action_item", "person"], name="action_item_person_unique"
            )
        ]


class ActionItemOrganisation(models.Model):
    action_item = models.ForeignKey("ActionItem", on_delete=models.CASCADE)
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["action_item", "organisation"], name="action_item_organisation_unique"
            )
        ]


class MeetingSeries(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    aliases = models.TextField(
        _("other names"),
        blank=True,
        help_text=_(
            "One per line: other names the protocols use, such as “Gemensam ledningsgrupp”."
        ),
    )
    description = models.TextField(_("description"), blank=True)
    default_place = models.CharField(_("usual place"), max_length=200, blank=True)
    weekday = models.PositiveSmallIntegerField(
        _("usual weekday"), choices=Weekday.choices, null=True, blank=True
    )
    start_time = models.TimeField(_("usual start time"), null=True, blank=True)
    duration = models.DurationField(
        _("usual duration"),
        null=True,
        blank=True,
        help_text=_("For example 2:00:00 for two hours."),
    )
    interval_weeks = models.PositiveSmallIntegerField(
        _("weeks between meetings"),
        default=4,
        help_text=_("Used to suggest the date of the next meeting."),
    )
    standing_members = models.ManyToManyField(
        "people.Person",
        verbose_name=_("standing members"),
        blank=True,
        related_name="standing_in_series",
    )
    open_to_all = models.BooleanField(
        _("open to all"), default=True, help_text=_("Anyone may come to the meetings.")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("meetings:series_detail", args=[self.slug])

    @property
    def alias_list(self) -> list[str]:
        return split_aliases(self.aliases)

    @property
    def usual_end_time(self) -> datetime.time | None:
        """When a meeting usually ends: start plus duration, if that is the same day."""
        if self.start_time is None or self.duration is None:
            return None
        start = datetime.datetime.combine(datetime.date(2000, 1, 1), self.start_time)
        end = start + self.duration
        return end.time() if end.date() == start.date() else None


class MeetingQuerySet(models.QuerySet):
    """Visibility lives here: every public page, feed and calendar reads through these."""

    def published(self) -> MeetingQuerySet:
        """Meetings whose protocol anyone may read (the rule: ``meetings.policy``)."""
        from .policy import published_q

        return self.filter(published_q())

    def upcoming(self, today: datetime.date) -> MeetingQuerySet:
        """Announced meetings: date, time, place and series are public before the protocol is."""
        return self.filter(status=Meeting.Status.PLANNED, date__gte=today).order_by(
            "date", "start_time"
        )

    def in_calendar(self, today: datetime.date) -> MeetingQuerySet:
        """What a calendar may show: upcoming meetings and those with a published protocol."""
        from .policy import published_q

        return self.filter(published_q() | Q(status=Meeting.Status.PLANNED, date__gte=today))

    def visible_to(self, user) -> MeetingQuerySet:
        """Protocols a user may read: staff also preview drafts, everyone else only published."""
        from .policy import visible_q

        return self.filter(visible_q(user))


class ProtocolRowQuerySet(models.QuerySet):
    """Rows of a protocol (items, decisions, action items): public with their meeting."""

    def published(self):
        from .policy import published_q

        return self.filter(published_q("meeting__"))

    def visible_to(self, user):
        from .policy import visible_q

        return self.filter(visible_q(user, "meeting__"))


class Meeting(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    class ProtocolState(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        PUBLISHED = "published", _("Published")

    series = models.ForeignKey(
        MeetingSeries, verbose_name=_("series"), on_delete=models.PROTECT, related_name="meetings"
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"), null=True, blank=True)
    end_time = models.TimeField(_("end time"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    status = models.CharField(
        _("meeting status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    protocol_state = models.CharField(
        _("protocol"), max_length=16, choices=ProtocolState.choices, default=ProtocolState.DRAFT
    )
    approved_by = models.ForeignKey(
        "people.Person",
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approved_meetings",
        help_text=_("The person who checked the protocol (justerare)."),
    )
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    note_taker_signature = models.CharField(
        _("signed by"),
        max_length=200,
        blank=True,
        help_text=_(
            "The closing signature exactly as written, for example “Vid pennan Pernilla Kvist”."
        ),
    )
    history = HistoricalRecords()

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-start_time"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        permissions = [("publish_meeting", _("Can publish and unpublish protocols"))]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "date"],
                name="meeting_once_per_series_and_day",
                violation_error_message=_("This series already has a meeting on that date."),
            ),
            models.CheckConstraint(
                condition=Q(end_time__isnull=True)
                | Q(start_time__isnull=True)
                | Q(end_time__gt=models.F("start_time")),
                name="meeting_ends_after_start",
                violation_error_message=_("The meeting must end after it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(protocol_state="published") | Q(published_at__isnull=False),
                name="meeting_published_has_timestamp",
            ),
        ]
        indexes = [
            models.Index(fields=["date"], name="meeting_date_idx"),
            # The archive's order, so its last page walks an index instead of sorting.
            models.Index(
                fields=["protocol_state", "-date", "-start_time", "-id"],
                name="meeting_archive_order_idx",
            ),
            models.Index(fields=["series", "-date"], name="meeting_series_date_idx"),
            models.Index(fields=["status", "date"], name="meeting_status_date_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:detail", args=[self.series.slug, self.date.isoformat()])

    @property
    def title(self) -> str:
        return f"{self.series.name} {date_format(self.date, 'DATE_FORMAT')}"

    @property
    def is_published(self) -> bool:
        return self.protocol_state == self.ProtocolState.PUBLISHED

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        if self.approved_on and self.date and self.approved_on < self.date:
            errors["approved_on"] = _(
                "The protocol cannot be approved before the meeting was held (%(date)s)."
            ) % {"date": date_format(self.date, "DATE_FORMAT")}
        if self.protocol_state == self.ProtocolState.APPROVED:
            if not self.approved_by_id:
                errors["approved_by"] = _("Say who approved the protocol.")
            if not self.approved_on:
                errors["approved_on"] = _("Say when the protocol was approved.")
        if errors:
            raise ValidationError(errors)


class Attendance(models.Model):
    """One line of the attendance list, keeping the name and affiliation as the protocol wrote them."""

    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")
        EXPECTED = "expected", _("Expected")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attendances"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attendances",
    )
    name_as_written = models.CharField(
        _("name as written"),
        max_length=200,
        blank=True,
        help_text=_("Filled from the person if empty."),
    )
    affiliation_as_written = models.CharField(
        _("affiliation as written"),
        max_length=300,
        blank=True,
        help_text=_("For example “Ria/G7” or “HR-chef socialförvaltningen”."),
    )
    organisations = models.ManyToManyField(
        "organisations.Organisation",
        verbose_name=_("organisations"),
        blank=True,
        through=AttendanceOrganisation,
        related_name="attendances",
        help_text=_("The organisations the affiliation names, for lists and search."),
    )
    status = models.CharField(
        _("attendance"), max_length=16, choices=Status.choices, default=Status.PRESENT
    )
    is_standing_member = models.BooleanField(_("standing member"), default=False)
    is_chair = models.BooleanField(_("chair"), default=False)
    is_note_taker = models.BooleanField(_("note-taker"), default=False)
    is_approver = models.BooleanField(_("approver"), default=False)
    is_guest = models.BooleanField(_("guest"), default=False)
    history = HistoricalRecords(m2m_fields=[organisations])

    objects = ProtocolRowQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "order", "pk"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "person"],
                condition=Q(person__isnull=False),
                name="attendance_person_once_per_meeting",
                violation_error_message=_("This person is already listed for the meeting."),
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(name_as_written=""),
                name="attendance_has_name",
                violation_error_message=_("Choose a person or write a name."),
            ),
        ]
        indexes = [models.Index(fields=["person", "meeting"], name="attendance_person_idx")]

    def __str__(self) -> str:
        return ", ".join(p for p in (self.name_as_written, self.affiliation_as_written) if p)

    def save(self, *args, **kwargs) -> None:
        # The snapshot is taken once; later changes to the person never rewrite it.
        if self.person_id and not self.name_as_written:
            self.name_as_written = self.person.name
        super().save(*args, **kwargs)

    @property
    def roles(self) -> list[str]:
        flags = {
            "chair": self.is_chair,
            "note_taker": self.is_note_taker,
            "approver": self.is_approver,
            "guest": self.is_guest,
        }
        return [role for role, on in flags.items() if on]


class AgendaItem(models.Model):
    class Kind(models.TextChoices):
        INFORMATION = "information", _("Information")
        DISCUSSION = "discussion", _("Discussion")
        DECISION = "decision", _("Decision")
        TABLED = "tabled", _("Tabled")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="agenda_items"
    )
    order = models.PositiveSmallIntegerField(
        _("order"), blank=True, help_text=_("Leave empty to put the item last.")
    )
    level = models.PositiveSmallIntegerField(
        _("level"),
        choices=[(1, _("Item")), (2, _("Sub-item"))],
        default=1,
        help_text=_("Sub-items sit under the item before them, as under “Övrigt”."),
    )
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(
        _("text"), blank=True, help_text=_("Markdown: lists, links and bold text.")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.DISCUSSION)
    working_groups = models.ManyToManyField(
        "projects.WorkingGroup",
        verbose_name=_("working groups"),
        blank=True,
        through=AgendaItemWorkingGroup,
        related_name="agenda_items",
    )
    picked_up_by = models.ForeignKey(
        "self",
        verbose_name=_("picked up by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="picks_up",
        help_text=_("For a tabled item: the later item where it was taken up."),
    )
    history = HistoricalRecords(m2m_fields=[working_groups])

    objects = ProtocolRowQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "order"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "order"],
                name="agenda_item_order_unique_per_meeting",
                violation_error_message=_("Two items of the meeting have the same number."),
            ),
        ]
        indexes = [models.Index(fields=["kind"], name="agenda_item_kind_idx")]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"

    def save(self, *args, **kwargs) -> None:
        if self.order is None:  # an item without a number goes last
            last = self.meeting.agenda_items.aggregate(last=models.Max("order"))["last"]
            self.order = (last or 0) + 1
        super().save(*args, **kwargs)

    @property
    def anchor(self) -> str:
        """The item's id on the protocol page (meetings/meeting_detail.html)."""
        return f"item-{self.order}" if self.order else ""


class Decision(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="decisions"
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decisions",
    )
    text = models.TextField(_("decision"))
    history = HistoricalRecords()

    objects = ProtocolRowQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "pk"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return self.text[:80]


class ActionItemQuerySet(ProtocolRowQuerySet):
    def open(self) -> ActionItemQuerySet:
        return self.filter(status=ActionItem.Status.OPEN)


class ActionItem(models.Model):
    """Something someone promised to do: “Martina lovar att kolla upp detta”."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("raised at"),
        on_delete=models.CASCADE,
        related_name="action_items",
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
    )
    text = models.TextField(_("what is to be done"))
    assigned_people = models.ManyToManyField(
        "people.Person",
        verbose_name=_("people"),
        blank=True,
        through=ActionItemPerson,
        related_name="action_items",
    )
    assigned_organisations = models.ManyToManyField(
        "organisations.Organisation",
        verbose_name=_("organisations"),
        blank=True,
        through=ActionItemOrganisation,
        related_name="action_items",
    )
    assignees_as_written = models.CharField(
        _("assignees as written"),
        max_length=300,
        blank=True,
        help_text=_("For example “Ia och Allan”."),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    due_next_meeting = models.BooleanField(_("by the next meeting"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    followed_up_at = models.ForeignKey(
        Meeting,
        verbose_name=_("followed up at"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followed_up_action_items",
    )
    history = HistoricalRecords(m2m_fields=[assigned_people, assigned_organisations])

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "pk"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        indexes = [models.Index(fields=["status", "meeting"], name="action_item_status_idx")]

    def __str__(self) -> str:
        return self.text[:80]

    def fill_assignees_as_written(self) -> None:
        """Snapshot the assignees' names once, so the protocol keeps them whatever happens later."""
        if self.assignees_as_written:
            return
        names = [p.name for p in self.assigned_people.all()]
        names += [o.name for o in self.assigned_organisations.all()]
        if names:
            self.assignees_as_written = ", ".join(names)
            self.save(update_fields=["assignees_as_written"])


class ShownName(models.Model):
    """A name staff confirmed may stay as written in one protocol: the publish check
    stops asking about it (see ``meetings.policy.publication_problems``)."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="shown_names"
    )
    text = models.CharField(_("name as written"), max_length=200)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed"), auto_now_add=True)

    class Meta:
        verbose_name = _("name shown as written")
        verbose_name_plural = _("names shown as written")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "text"], name="shown_name_once_per_meeting")
        ]

    def __str__(self) -> str:
        return self.text


class ProtocolNotification(models.Model):
    """One email per protocol and user: publishing again or saving again sends nothing more."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="notifications"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="protocol_notifications",
    )
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("protocol notification")
        verbose_name_plural = _("protocol notifications")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="notification_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.meeting} → {self.user}"


class SearchEntry(models.Model):
    """One searchable thing of the public site, kept up to date by ``meetings.search``.

    Only published content is ever written here, so search cannot leak a draft. On
    PostgreSQL a trigger fills ``search_vector`` (Swedish configuration, title weighted
    above text) and a GIN index serves the queries (migration 0006); on SQLite the
    column stays empty and search falls back to matching words.
    """

    class Kind(models.TextChoices):
        PROTOCOL = "protocol", _("Protocol")
        ITEM = "item", _("Agenda item")
        DECISION = "decision", _("Decision")
        ACTION = "action", _("Action item")
        GROUP = "group", _("Working group")
        ORGANISATION = "organisation", _("Organisation")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, null=True, related_name="+")
    series = models.ForeignKey(MeetingSeries, on_delete=models.CASCADE, null=True, related_name="+")
    date = models.DateField(null=True)
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, null=True, related_name="+"
    )
    working_group = models.ForeignKey(
        "projects.WorkingGroup", on_delete=models.CASCADE, null=True, related_name="+"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, null=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"), blank=True)
    anchor = models.CharField(max_length=50, blank=True)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        indexes = [
            models.Index(fields=["-date", "-id"], name="search_entry_date_idx"),
            models.Index(fields=["series", "-date"], name="search_entry_series_idx"),
            models.Index(fields=["kind", "-date"], name="search_entry_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        if self.working_group_id and self.kind == self.Kind.GROUP:
            return self.working_group.get_absolute_url()
        if self.organisation_id:
            return self.organisation.get_absolute_url()
        url = self.meeting.get_absolute_url()
        return f"{url}#{self.anchor}" if self.anchor else url


class PublicPagesVersion(models.Model):
    """A single counter, raised by every change to what public pages show.

    Cached public pages are keyed by it (``meetings.page_cache``), so a correction is
    visible on the next request from every server process, without waiting for a timeout.
    """

    number = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.number)


class PublishedCountQuerySet(models.QuerySet):
    def years(self) -> list[int]:
        """The years with a published protocol, newest first."""
        return list(self.order_by("-year").values_list("year", flat=True).distinct())

    def by_year(self, series: MeetingSeries | None = None, year: int | None = None):
        """(year, published protocols) newest first, for one series and year or all."""
        counts = self
        if series is not None:
            counts = counts.filter(series=series)
        if year is not None:
            counts = counts.filter(year=year)
        rows = counts.values("year").annotate(total=models.Sum("count")).order_by("-year")
        return [(row["year"], row["total"]) for row in rows]

    def recount(self, series_ids=None) -> None:
        """Count again from the meetings: for the given series, or for all of them."""
        series = MeetingSeries.objects.order_by("pk")
        meetings = Meeting.objects.published()
        counts = self.all()
        if series_ids is not None:
            series = series.filter(pk__in=series_ids)
            meetings = meetings.filter(series__in=series_ids)
            counts = counts.filter(series__in=series_ids)
        rows = (
            meetings.annotate(year=ExtractYear("date"))
            .values("series_id", "year")
            .annotate(count=models.Count("pk"))
            .order_by()
        )
        with transaction.atomic():
            # One recount of a series at a time: two staff saving meetings of the same
            # series at once would otherwise both insert its rows, and one would fail.
            list(series.select_for_update().values_list("pk", flat=True))
            counts.delete()
            self.bulk_create(PublishedCount(**row) for row in rows)


class PublishedCount(models.Model):
    """How many protocols a series published in a year: the archive's count, its year
    choices and where its pages start, without reading every published meeting.

    Kept exact in the same transaction by ``meetings.signals`` (a meeting's save or
    delete counts its series again); bulk writes call ``PublishedCount.objects.recount()``.
    """

    series = models.ForeignKey(MeetingSeries, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField()

    objects = PublishedCountQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="published_count_unique")
        ]
        indexes = [models.Index(fields=["year"], name="published_count_year_idx")]

    def __str__(self) -> str:
        return f"{self.series_id} {self.year}: {self.count}"
