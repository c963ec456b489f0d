"""What the flowsheet and the chair board show, computed from stored rows only (so a reload
shows exactly what was saved)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from ketaclinic.accounts.models import Site, User
from ketaclinic.audit.services import audit_record_patient_reads
from ketaclinic.core.errors import NotFoundError
from ketaclinic.courses.gates import Gate, infusion_gates
from ketaclinic.infusions.models import (
    AdverseEvent,
    AlertEvent,
    ChecklistEntry,
    ChecklistItem,
    DissociationRating,
    Infusion,
    InfusionDosePhase,
    InfusionEvent,
    InfusionStatus,
    RecoveryScore,
    VitalsEntry,
)
from ketaclinic.infusions.models.recovery import ALDRETE_DISCHARGE_READY
from ketaclinic.infusions.selectors.state import (
    checklist_latest,
    current_rate_ml_per_h,
    entry_condition_confirmed,
    max_rate_ml_per_h,
)
from ketaclinic.infusions.services.start import start_problems
from ketaclinic.protocols.models import ProtocolVersion

UNDER_WAY = (InfusionStatus.RUNNING, InfusionStatus.PAUSED)


def next_vitals_due(
    *,
    status: str,
    started_at: dt.datetime | None,
    ended_at: dt.datetime | None,
    last_vitals_at: dt.datetime | None,
    version: ProtocolVersion,
) -> dt.datetime | None:
    """The protocol clock: every `vitals_interval_intra_minutes` from the start (or the last
    reading) while it runs, every `vitals_interval_post_minutes` after it ends."""
    if status in UNDER_WAY and started_at is not None:
        anchor, minutes = started_at, version.vitals_interval_intra_minutes
    elif status == InfusionStatus.ENDED and ended_at is not None:
        anchor, minutes = ended_at, version.vitals_interval_post_minutes
    else:
        return None
    if last_vitals_at is not None and last_vitals_at > anchor:
        anchor = last_vitals_at
    return anchor + dt.timedelta(minutes=minutes)


def elapsed_minutes(infusion: Infusion, now: dt.datetime) -> int | None:
    if infusion.started_at is None:
        return None
    end = infusion.ended_at or now
    return max(0, int((end - infusion.started_at).total_seconds() // 60))


@dataclass
class ChecklistRow:
    item: ChecklistItem
    entry: ChecklistEntry | None


@dataclass
class Flowsheet:
    infusion: Infusion
    version: ProtocolVersion
    zone: zoneinfo.ZoneInfo
    now: dt.datetime
    gates: list[Gate]
    problems: dict[str, list[str]]
    checklist: list[ChecklistRow]
    phases: list[InfusionDosePhase]
    # Every reading in time order, voided ones included (the table strikes them through).
    vitals_rows: list[VitalsEntry]
    alerts: list[AlertEvent]
    events: list[InfusionEvent]
    adverse_events: list[AdverseEvent]
    dissociation: list[DissociationRating]
    recovery: list[RecoveryScore]
    next_due: dt.datetime | None
    elapsed: int | None
    rate_ml_per_h: object
    max_rate_ml_per_h: object
    observe_until: dt.datetime | None
    open_alerts: list[AlertEvent] = field(default_factory=list)

    @property
    def vitals(self) -> list[VitalsEntry]:
        """The readings that count (not voided): the chart and the vitals clock use these."""
        return [entry for entry in self.vitals_rows if entry.voided_at is None]

    @property
    def overdue(self) -> bool:
        return self.next_due is not None and self.now > self.next_due

    @property
    def latest_recovery(self) -> RecoveryScore | None:
        return self.recovery[-1] if self.recovery else None

    @property
    def checklist_done(self) -> int:
        return sum(1 for row in self.checklist if row.entry is not None and row.entry.confirmed)

    @property
    def missing_gates(self) -> list[Gate]:
        return [gate for gate in self.gates if not gate.passed]


def flowsheet(*, infusion: Infusion, now: dt.datetime | None = None) -> Flowsheet:
    """Everything the flowsheet page shows for an infusion loaded by `infusion_get`."""
    moment = now or timezone.now()
    version = infusion.course.protocol_version
    scheduled = infusion.status == InfusionStatus.SCHEDULED
    latest = checklist_latest(infusion=infusion)
    vitals = list(
        VitalsEntry.objects.filter(infusion=infusion)
        .select_related("recorded_by", "voided_by")
        .prefetch_related("alerts")
        .order_by("measured_at", "id")
    )
    current = [entry for entry in vitals if entry.voided_at is None]
    alerts = list(
        AlertEvent.objects.filter(infusion=infusion)
        .select_related("rule", "responded_by", "vitals_entry")
        .order_by("raised_at", "id")
    )
    end = infusion.ended_at
    return Flowsheet(
        infusion=infusion,
        version=version,
        zone=zoneinfo.ZoneInfo(infusion.site.time_zone),
        now=moment,
        gates=infusion_gates(
            course=infusion.course,
            session_number=infusion.session_number,
            entry_condition_confirmed=entry_condition_confirmed(infusion=infusion),
            now=moment,
        )
        if scheduled
        else [],
        problems=start_problems(infusion=infusion) if scheduled else {},
        checklist=[ChecklistRow(item=item, entry=latest.get(item.value)) for item in ChecklistItem],
        phases=list(infusion.dose_phases.order_by("order")),
        vitals_rows=vitals,
        alerts=alerts,
        open_alerts=[alert for alert in alerts if alert.is_open],
        events=list(infusion.events.select_related("recorded_by").order_by("occurred_at", "id")),
        adverse_events=list(infusion.adverse_events.order_by("onset_at", "id")),
        dissociation=list(infusion.dissociation_ratings.order_by("rated_at", "id")),
        recovery=list(infusion.recovery_scores.order_by("scored_at", "id")),
        next_due=next_vitals_due(
            status=infusion.status,
            started_at=infusion.started_at,
            ended_at=end,
            last_vitals_at=current[-1].measured_at if current else None,
            version=version,
        ),
        elapsed=elapsed_minutes(infusion, moment),
        rate_ml_per_h=current_rate_ml_per_h(infusion=infusion) if infusion.started_at else None,
        max_rate_ml_per_h=max_rate_ml_per_h(
            bag_volume_ml=infusion.bag_volume_ml, min_minutes=version.min_infusion_minutes
        ),
        observe_until=end + dt.timedelta(minutes=version.min_observation_minutes) if end else None,
    )


# --- The chair board ----------------------------------------------------------------------


@dataclass
class BoardRow:
    infusion: Infusion
    next_due: dt.datetime | None
    overdue: bool
    elapsed: int | None
    open_alerts: int
    latest_aldrete: int | None
    observe_minutes_left: int | None

    @property
    def discharge_ready(self) -> bool:
        return (
            self.latest_aldrete is not None
            and self.latest_aldrete >= ALDRETE_DISCHARGE_READY
            and not self.observe_minutes_left
        )


def board_sites(*, user: User) -> list[Site]:
    return list(Site.objects.filter(pk__in=user.site_ids, is_active=True).order_by("name"))


def board_site(*, user: User, site_id: int | None) -> Site:
    sites = board_sites(user=user)
    if not sites:
        raise NotFoundError("You are not assigned to a site: ask your clinic admin.")
    if site_id is None:
        return sites[0]
    for site in sites:
        if site.pk == site_id:
            return site
    raise NotFoundError("No site with that id among your sites.")


def _board_queryset(site: Site, now: dt.datetime) -> QuerySet[Infusion]:
    zone = zoneinfo.ZoneInfo(site.time_zone)
    today = now.astimezone(zone).date()
    start = dt.datetime.combine(today, dt.time.min, tzinfo=zone)
    latest_score = RecoveryScore.objects.filter(infusion=OuterRef("pk")).order_by(
        "-scored_at", "-id"
    )
    return (
        Infusion.objects.filter(site=site, patient__is_active=True)
        .filter(
            Q(scheduled_at__gte=start, scheduled_at__lt=start + dt.timedelta(days=1))
            | Q(status__in=(*UNDER_WAY, InfusionStatus.ENDED))
        )
        .exclude(status=InfusionStatus.CANCELLED)
        .select_related("patient", "course__protocol_version__template", "nurse")
        .annotate(
            last_vitals_at=Max("vitals__measured_at", filter=Q(vitals__voided_at__isnull=True)),
            # An alert of a voided reading no longer waits for a response.
            open_alert_count=Count(
                "alerts",
                filter=Q(
                    alerts__responded_at__isnull=True,
                    alerts__vitals_entry__voided_at__isnull=True,
                ),
                distinct=True,
            ),
            latest_aldrete=Subquery(latest_score.values("total")[:1]),
        )
        .order_by("chair", "scheduled_at", "id")
    )


def chair_board(*, user: User, site: Site, now: dt.datetime | None = None) -> list[BoardRow]:
    """Today's infusions at `site` (in its time zone), plus any still in the chair."""
    moment = now or timezone.now()
    rows: list[BoardRow] = []
    infusions = list(_board_queryset(site, moment))
    for infusion in infusions:
        version = infusion.course.protocol_version
        due = next_vitals_due(
            status=infusion.status,
            started_at=infusion.started_at,
            ended_at=infusion.ended_at,
            last_vitals_at=infusion.last_vitals_at,  # type: ignore[attr-defined]  # annotated
            version=version,
        )
        left = None
        if infusion.ended_at is not None and infusion.status == InfusionStatus.ENDED:
            until = infusion.ended_at + dt.timedelta(minutes=version.min_observation_minutes)
            left = max(0, int((until - moment).total_seconds() // 60) + 1) if until > moment else 0
        rows.append(
            BoardRow(
                infusion=infusion,
                next_due=due,
                overdue=due is not None and moment > due,
                elapsed=elapsed_minutes(infusion, moment),
                open_alerts=infusion.open_alert_count,  # type: ignore[attr-defined]  # annotated
                latest_aldrete=infusion.latest_aldrete,  # type: ignore[attr-defined]  # annotated
                observe_minutes_left=left,
            )
        )
    audit_record_patient_reads(
        actor=user, patients=[row.infusion.patient for row in rows], target_type="chair_board"
    )
    return rows
