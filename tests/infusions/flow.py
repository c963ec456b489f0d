"""Drive one infusion through its flowsheet with the real services, step by step."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.infusions import services
from ketaclinic.infusions.models import ChecklistItem, Infusion, RecoveryScore, VitalsEntry


@dataclass
class Flow:
    infusion: Infusion
    nurse: User
    physician: User

    def refresh(self) -> Infusion:
        self.infusion.refresh_from_db()
        return self.infusion

    def plan_and_verify(self) -> Infusion:
        services.infusion_dose_plan(actor=self.nurse, infusion=self.infusion)
        services.infusion_dose_verify(actor=self.physician, infusion=self.infusion)
        return self.refresh()

    def baseline(self, measured_at: dt.datetime | None = None, **values: int) -> VitalsEntry:
        reading: dict[str, Any] = {
            "sbp": 128,
            "dbp": 78,
            "hr": 72,
            "spo2": 98,
            "rr": 14,
            "moaas": 5,
            **values,
        }
        return services.vitals_record(
            actor=self.nurse, infusion=self.infusion, measured_at=measured_at, **reading
        )

    def checklist(self, *, skip: tuple[str, ...] = ()) -> None:
        for item in ChecklistItem:
            if item.value in skip:
                continue
            hours = 36 if item == ChecklistItem.ENTRY_CONDITION else None
            services.checklist_item_record(
                actor=self.nurse,
                infusion=self.infusion,
                item=item.value,
                confirmed=True,
                hours_since_last_use=hours,
            )

    def ready(self, baseline_at: dt.datetime | None = None) -> Infusion:
        """Dose planned and verified, baseline charted, every checklist item recorded."""
        self.plan_and_verify()
        self.baseline(measured_at=baseline_at)
        self.checklist()
        return self.refresh()

    def start(self, at: dt.datetime | None = None) -> Infusion:
        services.infusion_start(
            actor=self.nurse, infusion=self.infusion, lot_number="LOT-TEST-1", at=at
        )
        return self.refresh()

    def started(self, minutes_ago: int = 60) -> Infusion:
        start = timezone.now() - dt.timedelta(minutes=minutes_ago)
        self.ready(baseline_at=start - dt.timedelta(minutes=5))
        return self.start(at=start)

    def stop(self, at: dt.datetime | None = None) -> Infusion:
        infusion = self.refresh()
        services.infusion_stop(
            actor=self.nurse,
            infusion=infusion,
            reason="Completed as planned",
            administered_mg=infusion.planned_total_mg,
            at=at,
        )
        return self.refresh()

    def ended(self, minutes_ago: int = 130) -> Infusion:
        """Started 40 min before it ended `minutes_ago` minutes ago."""
        now = timezone.now()
        self.started(minutes_ago=minutes_ago + 40)
        return self.stop(at=now - dt.timedelta(minutes=minutes_ago))

    def post_vitals(self, measured_at: dt.datetime | None = None) -> VitalsEntry:
        """A reading after the end (discharge needs one); by default 10 minutes after it."""
        infusion = self.refresh()
        assert infusion.ended_at is not None
        moment = measured_at or infusion.ended_at + dt.timedelta(minutes=10)
        return self.baseline(measured_at=moment)

    def recovery(self, total_minus: int = 0) -> RecoveryScore:
        scores = [2, 2, 2, 2, 2]
        for index in range(total_minus):
            scores[index] -= 1
        activity, respiration, circulation, consciousness, oxygen = scores
        return services.recovery_score_record(
            actor=self.nurse,
            infusion=self.infusion,
            activity=activity,
            respiration=respiration,
            circulation=circulation,
            consciousness=consciousness,
            oxygen=oxygen,
            circulation_variant="mmhg",
        )

    def discharge(self, **overrides: object) -> Infusion:
        kwargs: dict[str, object] = {
            "escort_present": True,
            "no_driving_advice_given": True,
            "sedation_resolved": True,
            "dissociation_resolved": True,
            "minutes_until_ready": 10,
            **overrides,
        }
        services.infusion_discharge(actor=self.nurse, infusion=self.infusion, **kwargs)  # type: ignore[arg-type]  # test helper passes typed values through
        return self.refresh()

    def discharged(self) -> Infusion:
        self.ended()
        self.post_vitals()
        self.recovery()
        return self.discharge()

    def signed(self) -> Infusion:
        self.discharged()
        services.infusion_sign(actor=self.nurse, infusion=self.infusion)
        return self.refresh()


PLANNED_KARE_70KG = Decimal("56.0")  # 0.8 mg/kg x 70 kg


def written() -> tuple[int, ...]:
    """Row counts of everything the flowsheet services write (audit rows included)."""
    from ketaclinic.audit.models import AuditEvent
    from ketaclinic.infusions import models
    from ketaclinic.questionnaires.models import DueQuestionnaire
    from ketaclinic.therapy.models import IntegrationSession

    tables = (
        models.Infusion,
        models.InfusionDosePhase,
        models.ChecklistEntry,
        models.VitalsEntry,
        models.AlertEvent,
        models.AlertRule,
        models.InfusionEvent,
        models.AdverseEvent,
        models.DissociationRating,
        models.RecoveryScore,
        models.Discharge,
        IntegrationSession,
        DueQuestionnaire,
        AuditEvent,
    )
    return tuple(table.objects.count() for table in tables)


def state(infusion: Infusion) -> dict[str, object]:
    """Every column of the infusion row, fresh from the database."""
    row = Infusion.objects.filter(pk=infusion.pk).values().get()
    return dict(row)
