"""Reads of instruments, responses and safety alerts, scoped to the user's sites and audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Prefetch

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.audit.models import Action, Outcome
from ketaclinic.audit.services import audit_record, audit_record_patient_reads
from ketaclinic.core.errors import ApplicationError, ErrorCode, NotFoundError
from ketaclinic.patients.models import Patient
from ketaclinic.patients.selectors import patient_get, patients_visible
from ketaclinic.questionnaires.models import (
    Instrument,
    InstrumentSiteSetting,
    QuestionnaireResponse,
    ResponseQuerySet,
    SafetyAlert,
    SafetyAlertQuerySet,
)
from ketaclinic.questionnaires.trajectory import Trajectory, patient_trajectories

# --- Instruments ----------------------------------------------------------------------------


def instrument_active_get(*, code: str) -> Instrument:
    """The active version of an instrument; a 404 naming the known codes otherwise."""
    instrument = Instrument.objects.filter(code=code, is_active=True).first()
    if instrument is None:
        known = ", ".join(Instrument.objects.filter(is_active=True).values_list("code", flat=True))
        raise NotFoundError(f"No instrument {code!r}. Known instruments: {known}.")
    return instrument


def instruments_active() -> list[Instrument]:
    """The active version of every installed instrument."""
    return list(Instrument.objects.filter(is_active=True).order_by("code"))


def disabled_instrument_ids(*, site_id: int) -> set[int]:
    return set(
        InstrumentSiteSetting.objects.filter(site_id=site_id, enabled=False).values_list(
            "instrument_id", flat=True
        )
    )


def instruments_enabled(*, site_id: int) -> list[Instrument]:
    """Active instruments the site administers (the clinic admin has not switched them off)."""
    disabled = disabled_instrument_ids(site_id=site_id)
    return [i for i in instruments_active() if i.pk not in disabled]


def instrument_for_administration(*, patient: Patient, code: str) -> Instrument:
    """The instrument to give this patient, refused when switched off at the patient's site."""
    instrument = instrument_active_get(code=code)
    if instrument.pk in disabled_instrument_ids(site_id=patient.site_id):
        raise ApplicationError(
            f"{instrument.title} is switched off at {patient.site.name} by your clinic admin, "
            "so it cannot be given here. Ask the clinic admin to switch it on, or choose "
            "another instrument.",
            code=ErrorCode.CONFLICT,
        )
    return instrument


@dataclass(frozen=True)
class ResponseEntry:
    """What a staff entry form needs: the patient, the instrument and, for a correction, the
    response being corrected."""

    patient: Patient
    instrument: Instrument
    corrects: QuestionnaireResponse | None = None


def response_entry_get(
    *, user: User, patient_id: int, code: str = "", corrects_id: int | None = None
) -> ResponseEntry:
    """For the entry page: the patient (audited read), QUESTIONNAIRE_ENTER, and the instrument
    (refused when switched off at the site; a correction keeps the original's version)."""
    patient = patient_get(user=user, patient_id=patient_id, target_type="questionnaire_response")
    require_perm(
        user=user,
        perm=Perm.QUESTIONNAIRE_ENTER,
        target_type="questionnaire_response",
        target_id=patient.pk,
        patient=patient,
        message="Your role does not allow entering questionnaires. Ask a clinician to enter it.",
    )
    if corrects_id is None:
        return ResponseEntry(patient, instrument_for_administration(patient=patient, code=code))
    corrects = response_list(patient=patient).filter(pk=corrects_id).first()
    if corrects is None:
        raise NotFoundError("No questionnaire response with that id in this patient's chart.")
    return ResponseEntry(patient, corrects.instrument, corrects)


@dataclass(frozen=True)
class InstrumentSiteRow:
    instrument: Instrument
    sites: list[tuple[Site, bool]]  # each of the admin's sites and whether it is enabled there


def instrument_settings_list(*, user: User) -> list[InstrumentSiteRow]:
    """Every active instrument with its on/off state at each of the clinic admin's sites."""
    require_perm(
        user=user,
        perm=Perm.INSTRUMENT_MANAGE,
        target_type="instrument_site_setting",
        message="Only a clinic admin can switch instruments on or off. Ask your clinic admin.",
    )
    sites = list(Site.objects.filter(pk__in=user.site_ids).order_by("name"))
    disabled = set(
        InstrumentSiteSetting.objects.filter(site__in=sites, enabled=False).values_list(
            "site_id", "instrument_id"
        )
    )
    return [
        InstrumentSiteRow(
            instrument=instrument,
            sites=[(site, (site.pk, instrument.pk) not in disabled) for site in sites],
        )
        for instrument in instruments_active()
    ]


# --- Responses ------------------------------------------------------------------------------
# The readers below take a patient loaded through `patient_get`, which scoped the read to the
# user's sites and audited it; they add no audit row of their own.


def response_list(*, patient: Patient, instrument_code: str = "") -> ResponseQuerySet:
    """Newest first, each with `is_superseded`, its author, instrument and safety alerts."""
    queryset = (
        QuestionnaireResponse.objects.filter(patient=patient)
        .with_superseded()
        .select_related("instrument", "entered_by")
        .prefetch_related(
            Prefetch(
                "safety_alerts", queryset=SafetyAlert.objects.select_related("acknowledged_by")
            )
        )
        .order_by("-completed_at", "-id")
    )
    if instrument_code:
        queryset = queryset.filter(instrument__code=instrument_code)
    return queryset


def patient_response_get(*, user: User, patient_id: int, response_id: int) -> QuestionnaireResponse:
    """One response in a patient's chart at the user's sites (the read is audited)."""
    patient = patient_get(user=user, patient_id=patient_id, target_type="questionnaire_response")
    response = response_list(patient=patient).select_related("supersedes").filter(pk=response_id)
    found = response.first()
    if found is None:
        raise NotFoundError("No questionnaire response with that id in this patient's chart.")
    return found


@dataclass(frozen=True)
class AnswerRow:
    number: int
    item_id: str
    text: str
    value: int | None  # None: not asked (skip logic) or not required and left empty
    label: str


def response_answer_rows(*, response: QuestionnaireResponse) -> list[AnswerRow]:
    """Each item of the instrument version the response was given with, and its answer."""
    rows = []
    for item in response.instrument.parsed.items:
        value = response.answers.get(item.id)
        label = item.label_for(value) if value is not None else "Not asked"
        rows.append(AnswerRow(item.number, item.id, item.text, value, label))
    return rows


# --- Safety alerts --------------------------------------------------------------------------


def _alerts_at_sites(user: User) -> SafetyAlertQuerySet:
    return SafetyAlert.objects.filter(patient__in=patients_visible(user=user)).select_related(
        "patient", "patient__site", "response__instrument", "acknowledged_by"
    )


def safety_alert_scoped(*, user: User, alert_id: int) -> SafetyAlert:
    """An alert of a patient at the user's sites; a missing or foreign one is the same 404,
    and the attempt is audited."""
    alert = _alerts_at_sites(user).filter(pk=alert_id).first()
    if alert is None:
        existing = SafetyAlert.objects.select_related("patient").filter(pk=alert_id).first()
        audit_record(
            actor=user,
            action=Action.ACCESS_DENIED,
            patient=existing.patient if existing else None,
            target_type="safety_alert",
            target_id=alert_id,
            outcome=Outcome.DENIED,
            detail="outside user's sites" if existing else "no such alert",
        )
        raise NotFoundError("No safety alert with that id at your sites.")
    return alert


def safety_alert_get(*, user: User, alert_id: int) -> SafetyAlert:
    """One alert to open and act on: patient data, so PATIENT_VIEW and an audited read."""
    require_perm(user=user, perm=Perm.PATIENT_VIEW, target_type="safety_alert", target_id=alert_id)
    alert = safety_alert_scoped(user=user, alert_id=alert_id)
    audit_record(
        actor=user,
        action=Action.READ,
        patient=alert.patient,
        target_type="safety_alert",
        target_id=alert.pk,
    )
    return alert


def safety_alerts_open(*, user: User) -> SafetyAlertQuerySet:
    """Open alerts at the user's sites, most urgent then oldest first; unevaluated, so callers
    paginate and then call `safety_alerts_audit` for the alerts shown."""
    require_perm(user=user, perm=Perm.PATIENT_VIEW, target_type="safety_alert_list")
    return _alerts_at_sites(user).open().most_urgent_first()


def safety_alerts_audit(*, user: User, alerts: Sequence[SafetyAlert]) -> None:
    """One read row per patient whose alert was shown."""
    patients = {alert.patient_id: alert.patient for alert in alerts}
    audit_record_patient_reads(
        actor=user, patients=patients.values(), target_type="safety_alert_list"
    )


def patient_safety_alerts_open(*, patient: Patient) -> list[SafetyAlert]:
    return list(
        SafetyAlert.objects.filter(patient=patient)
        .open()
        .most_urgent_first()
        .select_related("response__instrument")
    )


# --- The chart section ----------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionnaireChart:
    patient: Patient
    responses: list[QuestionnaireResponse]
    open_alerts: list[SafetyAlert]
    instruments: list[Instrument]  # the ones the patient's site administers
    trajectories: list[Trajectory]


def questionnaire_chart_get(
    *, user: User, patient_id: int, infusion_dates: Sequence[dt.date] = ()
) -> QuestionnaireChart:
    """Responses, open alerts, enabled instruments and trajectories; one audited read."""
    patient = patient_get(user=user, patient_id=patient_id, target_type="questionnaire_chart")
    responses = list(response_list(patient=patient))
    return QuestionnaireChart(
        patient=patient,
        responses=responses,
        open_alerts=patient_safety_alerts_open(patient=patient),
        instruments=instruments_enabled(site_id=patient.site_id),
        trajectories=patient_trajectories(
            patient=patient, responses=responses, infusion_dates=infusion_dates
        ),
    )
