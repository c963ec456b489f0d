"""The protocol library: evidence-based ketamine protocols as versioned data.

Each published protocol is a `ProtocolTemplate`; what a clinic actually uses is a
`ProtocolVersion` of it. A version that a treatment course uses is never edited: the clinic
admin creates the next version instead (source: issue 5, DOMAIN.md section 1).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models


class Route(models.TextChoices):
    IV = "iv", "Intravenous (IV)"
    IM = "im", "Intramuscular (IM)"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"


class PhaseKind(models.TextChoices):
    BOLUS = "bolus", "Bolus"
    INFUSION = "infusion", "Infusion"
    INJECTION = "injection", "Injection"


class ProtocolTemplate(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    indication = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class ProtocolVersion(models.Model):
    template = models.ForeignKey(
        ProtocolTemplate, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    status = models.CharField(
        max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    route = models.CharField(max_length=4, choices=Route.choices)
    sessions_planned = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    # Days between sessions (7 = weekly, 28 = monthly); 0 for a single session.
    session_spacing_days = models.PositiveSmallIntegerField(default=0)
    schedule_description = models.CharField(max_length=200, blank=True)
    adjunct_therapy = models.TextField(blank=True)
    entry_condition = models.CharField(max_length=200, blank=True)
    # Hours since last use the checklist must confirm; None when the source gives none.
    entry_min_hours_abstinent = models.PositiveSmallIntegerField(null=True, blank=True)
    # Limits the clinic's medical director sets; None = not set.
    max_mg_per_kg = models.DecimalField(max_digits=5, decimal_places=3, null=True, blank=True)
    max_total_mg = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    min_infusion_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    vitals_interval_intra_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1)]
    )
    vitals_interval_post_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1)]
    )
    min_observation_minutes = models.PositiveSmallIntegerField()
    # [{"instrument": "meq30", "event": "post_infusion"}, ...] (questionnaire schedule events).
    instrument_schedule = models.JSONField(default=list, blank=True)
    outcome_set = models.TextField(blank=True)
    source = models.TextField()
    notes = models.TextField(blank=True)
    change_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["template__code", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="protocol_version_number"),
            models.UniqueConstraint(
                fields=["template"],
                condition=models.Q(status="active"),
                name="one_active_version_per_protocol",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=VersionStatus.values),
                name="protocol_version_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(route__in=Route.values), name="protocol_version_route_known"
            ),
            models.CheckConstraint(
                condition=models.Q(max_mg_per_kg__isnull=True) | models.Q(max_mg_per_kg__gt=0),
                name="protocol_version_max_mg_per_kg_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(max_total_mg__isnull=True) | models.Q(max_total_mg__gt=0),
                name="protocol_version_max_total_mg_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template.code} v{self.number}"

    @property
    def spacing_label(self) -> str:
        if self.sessions_planned == 1:
            return "single session"
        if self.session_spacing_days == 0:
            return "spacing not set by the source"
        return f"every {self.session_spacing_days} days"


class ProtocolPhase(models.Model):
    """One step of a session's dose: for example a 2-minute bolus, then a 50-minute infusion."""

    version = models.ForeignKey(ProtocolVersion, on_delete=models.CASCADE, related_name="phases")
    # 0 = every session; a number = only that session (AZHARI-CANN-2021's second infusion).
    session_number = models.PositiveSmallIntegerField(default=0)
    order = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(max_length=10, choices=PhaseKind.choices)
    # None when the source gives no dose: the version cannot be used until one is set.
    mg_per_kg = models.DecimalField(max_digits=5, decimal_places=3, null=True, blank=True)
    # None when the source gives no duration (an IM injection has none).
    minutes = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["version", "session_number", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "session_number", "order"],
                name="protocol_phase_order",
            ),
            models.CheckConstraint(
                condition=models.Q(mg_per_kg__isnull=True) | models.Q(mg_per_kg__gt=0),
                name="protocol_phase_dose_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(minutes__isnull=True) | models.Q(minutes__gt=0),
                name="protocol_phase_minutes_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=PhaseKind.values), name="protocol_phase_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.kind} {self.mg_per_kg} mg/kg over {self.minutes} min"

    @property
    def session_label(self) -> str:
        return "Every session" if self.session_number == 0 else f"Session {self.session_number}"

    @property
    def dose_label(self) -> str:
        """For example '0.11 mg/kg over 2 min'; says so when the source gives no dose."""
        dose = "no dose set" if self.mg_per_kg is None else f"{self.mg_per_kg.normalize():f} mg/kg"
        duration = "" if self.minutes is None else f" over {self.minutes} min"
        if self.minutes is None and self.kind != PhaseKind.INJECTION:
            duration = ", duration not set"
        return f"{self.get_kind_display()} {dose}{duration}"
