from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.consent import selectors
from ketaclinic.consent.models import ConsentKind, TemplateStatus
from ketaclinic.core.errors import NotFoundError

BOSTON_TIME = zoneinfo.ZoneInfo("America/New_York")


def _at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=BOSTON_TIME)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (_at(2025, 6, 30, 23, 30), "valid"),  # already 1 July in UTC: the site's date counts
        (_at(2025, 7, 1, 0, 30), "expired"),
    ],
)
def test_expiry_date_ends_at_the_end_of_that_day_at_the_site(
    consent_factory, patient, on, expected
):
    consent = consent_factory(
        patient=patient, signed_at=_at(2025, 1, 2), expires_on=dt.date(2025, 6, 30)
    )

    assert selectors.consent_status(consent=consent, on=on) == expected


def test_revocation_applies_from_its_moment_on(consent_factory, patient, physician):
    consent = consent_factory(
        patient=patient,
        signed_at=_at(2025, 1, 2),
        revoked_at=_at(2025, 3, 1, 9, 0),
        revoked_by=physician,
        revocation_reason="Patient withdrew in person.",
    )

    assert selectors.consent_status(consent=consent, on=_at(2025, 3, 1, 8, 59)) == "valid"
    assert selectors.consent_status(consent=consent, on=_at(2025, 3, 1, 9, 0)) == "revoked"


def test_an_ending_event_that_occurred_expires_the_consent(consent_factory, patient, physician):
    consent = consent_factory(
        patient=patient,
        signed_at=_at(2025, 1, 2),
        ending_event_occurred_at=_at(2025, 5, 1),
        ending_event_recorded_by=physician,
    )

    assert selectors.consent_status(consent=consent, on=_at(2025, 4, 30)) == "valid"
    assert selectors.consent_status(consent=consent, on=_at(2025, 5, 1)) == "expired"


def test_revoked_wins_over_expired(consent_factory, patient, physician):
    consent = consent_factory(
        patient=patient,
        signed_at=_at(2025, 1, 2),
        expires_on=dt.date(2025, 2, 1),
        revoked_at=_at(2025, 1, 15),
        revoked_by=physician,
        revocation_reason="In writing.",
    )

    assert selectors.consent_status(consent=consent, on=_at(2025, 3, 1)) == "revoked"


def test_valid_consent_returns_the_most_recent_valid_one_of_that_kind(
    consent_factory, patient, patient_factory, physician
):
    older = consent_factory(patient=patient, signed_at=_at(2025, 1, 2))
    newer = consent_factory(patient=patient, signed_at=_at(2025, 2, 2))
    consent_factory(  # newest, but revoked
        patient=patient,
        signed_at=_at(2025, 3, 2),
        revoked_at=_at(2025, 3, 3),
        revoked_by=physician,
        revocation_reason="By phone.",
    )
    consent_factory(patient=patient_factory(site=patient.site), signed_at=_at(2025, 4, 1))

    on = _at(2025, 4, 2)

    assert selectors.valid_consent(patient=patient, kind=ConsentKind.PART2_DISCLOSURE, on=on) == (
        newer
    )
    before_newer = _at(2025, 2, 1)
    assert (
        selectors.valid_consent(patient=patient, kind="part2_disclosure", on=before_newer) == older
    )
    assert selectors.valid_consent(patient=patient, kind="treatment_ketamine", on=on) is None


def test_valid_consent_ignores_expired_ones_and_ones_signed_later(consent_factory, patient):
    consent_factory(patient=patient, signed_at=_at(2025, 1, 2), expires_on=dt.date(2025, 1, 31))
    consent_factory(patient=patient, signed_at=_at(2025, 6, 1))

    found = selectors.valid_consent(
        patient=patient, kind=ConsentKind.PART2_DISCLOSURE, on=_at(2025, 3, 1)
    )

    assert found is None


def test_valid_consent_writes_no_audit_row(consent_factory, patient):
    consent_factory(patient=patient, signed_at=_at(2025, 1, 2))

    selectors.valid_consent(patient=patient, kind=ConsentKind.PART2_DISCLOSURE)

    assert not AuditEvent.objects.exists()


def test_patient_consents_lists_newest_first_and_audits_the_read(
    consent_factory, patient, physician
):
    first = consent_factory(patient=patient, signed_at=_at(2025, 1, 2))
    second = consent_factory(patient=patient, signed_at=_at(2025, 2, 2))

    consents = selectors.patient_consents(user=physician, patient_id=patient.pk)

    assert list(consents) == [second, first]
    event = AuditEvent.objects.get(action=Action.READ)
    assert (event.actor, event.patient_id, event.target_type) == (
        physician,
        patient.pk,
        "patient_consents",
    )


def test_patient_consents_of_a_boston_patient_is_404_for_west_hartford(
    consent_factory, patient, wh_therapist
):
    consent_factory(patient=patient)

    with pytest.raises(NotFoundError):
        selectors.patient_consents(user=wh_therapist, patient_id=patient.pk)

    denial = AuditEvent.objects.get(actor=wh_therapist)
    assert (denial.action, denial.patient_id, denial.outcome) == (
        Action.ACCESS_DENIED,
        patient.pk,
        Outcome.DENIED,
    )


def test_active_template_prefers_the_sites_own_version(
    template_factory, boston, west_hartford, shipped_treatment
):
    boston_version = template_factory(
        kind=ConsentKind.TREATMENT_KETAMINE, site=boston, status=TemplateStatus.ACTIVE
    )

    assert selectors.active_template(kind="treatment_ketamine", site=boston) == boston_version
    assert selectors.active_template(kind="treatment_ketamine", site=west_hartford) == (
        shipped_treatment
    )
