from __future__ import annotations

from ketaclinic.consent.models import ConsentKind, ConsentTemplate
from ketaclinic.consent.seed import (
    ensure_example_templates,
    seed_part2_consent,
    seed_treatment_consent,
)
from ketaclinic.consent.selectors import valid_consent


def test_seeded_consents_are_valid_and_witnessed(physician, patient):
    treatment = seed_treatment_consent(patient=patient, witness=physician, seed=1)
    part2 = seed_part2_consent(patient=patient, witness=physician, seed=2)

    assert valid_consent(patient=patient, kind=ConsentKind.TREATMENT_KETAMINE) == treatment
    assert valid_consent(patient=patient, kind=ConsentKind.PART2_DISCLOSURE) == part2
    assert (part2.recipients_all_tpo, part2.ending_event, part2.expires_on is not None) == (
        True,
        "",
        True,
    )
    assert part2.witnessed_by == physician


def test_part2_seed_is_deterministic_from_the_seed(physician, patient, patient_factory):
    other = patient_factory(site=patient.site)

    first = seed_part2_consent(patient=patient, witness=physician, seed=3)
    second = seed_part2_consent(patient=other, witness=physician, seed=3)

    assert (first.recipients, first.purpose, first.ending_event) == (
        second.recipients,
        second.purpose,
        second.ending_event,
    )
    assert first.recipients == "Example Family Practice, Dr. Sample Person (synthetic)"


def test_ensure_example_templates_adds_nothing_when_they_exist(db):
    before = ConsentTemplate.objects.count()

    assert ensure_example_templates() == 0
    assert ConsentTemplate.objects.count() == before
