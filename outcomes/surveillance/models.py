"""Surveillance plans (data, editable by admins), per-patient plan overrides, schedule items and reminder rows.

DESIGN section 7. Plans are rows, not code; the schedule is computed by `services.refresh_surveillance`
and stored as one open `SurveillanceItem` per patient plus the closed ones; `Reminder` rows are the
outbox for the coordinator digests (unique per patient, due date and stage).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from registry.models import ImagingStudy, Patient, Tumor, choice_constraint
from registry.vocabularies import SiteGroup


class SurveillancePlan(models.Model):
    """A named schedule of imaging; `intensity` orders plans (a patient follows the most intensive)."""

    STANDARD = "standard"
    HIGH_RISK = "high_risk"
    ACTIVE_DISEASE = "active_disease"

    code = models.SlugField(max_length=40, unique=True, help_text="standard, high_risk or active_disease.")
    name = models.CharField(max_length=100)
    intensity = models.PositiveSmallIntegerField(
        default=1,
        help_text="Higher is more intensive; a patient follows the most intensive plan of their tumors.",
    )
    description = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["intensity", "code"]

    def __str__(self) -> str:
        return self.name


class PlanPhase(models.Model):
    """Half-open phase [from_month, until_month) after the anchor, with an imaging interval in months."""

    plan = models.ForeignKey(SurveillancePlan, on_delete=models.CASCADE, related_name="phases")
    from_month = models.PositiveSmallIntegerField()
    until_month = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Empty: open-ended.")
    interval_months = models.PositiveSmallIntegerField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "from_month"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "from_month"], name="planphase_from_month_unique"),
            models.CheckConstraint(
                condition=Q(until_month__isnull=True) | Q(until_month__gt=models.F("from_month")),
                name="planphase_until_after_from",
            ),
            models.CheckConstraint(condition=Q(interval_months__gte=1), name="planphase_interval_positive"),
        ]

    def __str__(self) -> str:
        until = self.until_month if self.until_month is not None else "open"
        return f"every {self.interval_months} months in [{self.from_month}, {until})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        if (
            self.until_month is not None
            and self.from_month is not None
            and self.until_month <= self.from_month
        ):
            errors["until_month"] = "The phase must end after it starts (until month > from month)."
        if self.interval_months is not None and self.interval_months < 1:
            errors["interval_months"] = "The interval must be at least one month."
        if errors:
            raise ValidationError(errors)


class PlanModality(models.Model):
    """Suggested imaging per site group; `extra_*` adds a study for topographies starting with a prefix
    (cystoscopy for bladder, C67)."""

    plan = models.ForeignKey(SurveillancePlan, on_delete=models.CASCADE, related_name="modalities")
    site_group = models.CharField(max_length=20, choices=SiteGroup.choices)
    modality = models.CharField(max_length=120, help_text="For example: chest CT.")
    extra_topography_prefix = models.CharField(max_length=5, blank=True, help_text="For example C67.")
    extra_modality = models.CharField(max_length=120, blank=True, help_text="For example: cystoscopy.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "site_group"]
        verbose_name_plural = "plan modalities"
        constraints = [
            models.UniqueConstraint(fields=["plan", "site_group"], name="planmodality_site_group_unique"),
            choice_constraint("planmodality", "site_group", SiteGroup),
        ]

    def __str__(self) -> str:
        return f"{self.get_site_group_display()}: {self.modality}"

    def for_topography(self, primary_site: str) -> str:
        if self.extra_topography_prefix and primary_site.startswith(self.extra_topography_prefix):
            return f"{self.modality}, plus {self.extra_modality}"
        return self.modality


class PlanOverride(models.Model):
    """An admin's per-patient plan choice; it overrides the rule-based assignment. History keeps changes."""

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="surveillance_override")
    plan = models.ForeignKey(SurveillancePlan, on_delete=models.PROTECT, related_name="overrides")
    reason = models.TextField(help_text="Why this patient follows this plan (no identifiers).")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    set_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.plan} for {self.patient}"


class ItemState(models.TextChoices):
    PLANNED = "planned", "Planned (window not open)"
    UPCOMING = "upcoming", "Upcoming"
    DUE = "due", "Due"
    OVERDUE = "overdue", "Overdue"
    ESCALATED = "escalated", "Escalated"
    SCHEDULED = "scheduled", "Scheduled"
    COMPLETED = "completed", "Completed"
    NOT_NEEDED = "not_needed", "Not needed"


OPEN_STATES = (
    ItemState.PLANNED,
    ItemState.UPCOMING,
    ItemState.DUE,
    ItemState.OVERDUE,
    ItemState.ESCALATED,
    ItemState.SCHEDULED,
)
CLOSED_STATES = (ItemState.COMPLETED, ItemState.NOT_NEEDED)
# States that trigger a reminder; each is a Reminder stage.
REMINDER_STAGES = (ItemState.UPCOMING, ItemState.DUE, ItemState.OVERDUE, ItemState.ESCALATED)


class SurveillanceItem(models.Model):
    """One imaging study a patient is due for; at most one open item per patient."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="surveillance_items")
    tumor = models.ForeignKey(Tumor, on_delete=models.CASCADE, related_name="surveillance_items")
    plan = models.ForeignKey(SurveillancePlan, on_delete=models.PROTECT, related_name="items")
    plan_reason = models.CharField(max_length=300, blank=True)
    anchor_date = models.DateField()
    phase = models.CharField(max_length=60, blank=True)
    due_date = models.DateField()
    window_start = models.DateField()
    modality = models.CharField(max_length=200)
    state = models.CharField(max_length=12, choices=ItemState.choices)
    scheduled_date = models.DateField(null=True, blank=True)
    completed_by = models.ForeignKey(
        ImagingStudy, null=True, blank=True, on_delete=models.SET_NULL, related_name="surveillance_items"
    )
    not_needed_reason = models.CharField(max_length=300, blank=True)
    # Closed by a coordinator (not by the refresh): the next due date counts from this item's due date.
    closed_manually = models.BooleanField(default=False)
    # Closed by the refresh because surveillance stopped (death, lost, transferred, consent, end of plan).
    stopped = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            choice_constraint("surveillanceitem", "state", ItemState),
            models.UniqueConstraint(
                fields=["patient", "due_date"], name="surveillanceitem_patient_due_unique"
            ),
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(state__in=list(OPEN_STATES)),
                name="surveillanceitem_one_open_per_patient",
            ),
            models.CheckConstraint(
                condition=Q(window_start__lte=models.F("due_date")), name="surveillanceitem_window_before_due"
            ),
            models.CheckConstraint(
                condition=~Q(state=ItemState.SCHEDULED) | Q(scheduled_date__isnull=False),
                name="surveillanceitem_scheduled_has_date",
            ),
        ]
        indexes = [
            # Worklist: open items by state and due date.
            models.Index(fields=["state", "due_date"], name="survitem_state_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_state_display()} {self.due_date} ({self.patient})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def days_overdue(self, as_of: dt.date) -> int:
        return max((as_of - self.due_date).days, 0)


class Worklist(SurveillanceItem):
    """Proxy whose admin entry links the admin index to the coordinator worklist."""

    class Meta:
        proxy = True
        verbose_name = "coordinator worklist"
        verbose_name_plural = "coordinator worklist"


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CLAIMED = "claimed", "Claimed by a sender"
    SENT = "sent", "Sent"
    CANCELLED = "cancelled", "Cancelled (item closed before sending)"
    FAILED = "failed", "Failed (refused by the mail server)"


class Reminder(models.Model):
    """Outbox row: one reminder per patient, due date and stage. Rows, not the broker, are the truth."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="surveillance_reminders")
    item = models.ForeignKey(SurveillanceItem, null=True, on_delete=models.SET_NULL, related_name="reminders")
    due_date = models.DateField()
    stage = models.CharField(max_length=12, choices=[(s.value, s.label) for s in REMINDER_STAGES])
    modality = models.CharField(max_length=200)
    recipient = models.EmailField(help_text="Coordinator, or the default coordinators' address.")
    has_coordinator = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING)
    claim_token = models.CharField(max_length=36, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set when the row is first claimed; rows sharing a key are one digest with one Message-ID, so a
    # resend after a crash between the mail server's acceptance and our commit reuses that Message-ID.
    digest_key = models.CharField(max_length=32, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    # Last delivery error as an SMTP code or error class only (no addresses), for the admin.
    last_error = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "due_date", "stage"], name="reminder_patient_due_stage_unique"
            ),
            choice_constraint("reminder", "status", ReminderStatus),
            models.CheckConstraint(condition=Q(stage__in=list(REMINDER_STAGES)), name="reminder_stage_valid"),
        ]
        indexes = [
            # Sender claim: pending rows and claims past their lease.
            models.Index(fields=["status", "claimed_until"], name="reminder_status_lease_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} reminder {self.due_date} ({self.get_status_display()})"


class RefreshLock(models.Model):
    """A row locked (select_for_update) while the schedule is refreshed, so two refreshes never race."""

    name = models.CharField(max_length=40, unique=True)

    def __str__(self) -> str:
        return self.name
