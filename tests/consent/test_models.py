from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from ketaclinic.consent.models import (
    ConsentKind,
    ConsentTemplate,
    PatientConsent,
    RedisclosureNotice,
    TemplateStatus,
)
from tests.factories import UserFactory


def test_migration_ships_example_templates_labelled_as_examples(db):
    """Given a fresh database, then each kind has an active all-sites example version 1."""
    shipped = ConsentTemplate.objects.filter(version=1, site__isnull=True)

    assert sorted(shipped.values_list("kind", "status")) == [
        ("counselling_notes_part2", "active"),
        ("part2_disclosure", "active"),
        ("treatment_ketamine", "active"),
    ]
    for template in shipped:
        assert template.body.startswith("Example text — have your counsel review before use.")
        assert "(example)" in template.title
    part2 = shipped.get(kind=ConsentKind.PART2_DISCLOSURE)
    assert part2.revocation_statement.startswith("You may revoke this consent at any time")


def test_migration_ships_the_redisclosure_notice_with_a_review_note(db):
    notice = RedisclosureNotice.objects.get()

    assert notice.version == 1
    assert notice.text.startswith(
        "This record which has been disclosed to you is protected by Federal confidentiality "
        "rules (42 CFR part 2)."
    )
    assert notice.abbreviated_text == (
        "42 CFR part 2 prohibits unauthorized use or disclosure of these records."
    )
    assert "confirm the 2024 wording" in notice.review_note


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"discloser": ""}, "part2_consent_has_discloser"),
        ({"information_description": ""}, "part2_consent_has_information"),
        ({"recipients": "", "recipients_all_tpo": False}, "part2_consent_has_recipients"),
        ({"purpose": ""}, "part2_consent_has_purpose"),
        ({"revocation_statement": ""}, "part2_consent_has_revocation"),
        ({"expires_on": None, "ending_event": ""}, "part2_consent_has_expiry"),
        ({"signature_name": ""}, "consent_has_signature"),
        ({"witnessed_by": None}, "consent_signed_by_witness_or_account"),
    ],
)
def test_database_refuses_a_part2_consent_missing_an_element(consent_factory, changes, constraint):
    """Given a complete Part 2 consent row, when one element is blanked, the DB refuses it."""
    staff = UserFactory()
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        consent_factory(recorded_by=staff, **changes)

    assert not PatientConsent.objects.exists()


def test_database_accepts_all_tpo_class_instead_of_named_recipients(consent_factory):
    consent = consent_factory(recipients="", recipients_all_tpo=True)

    assert consent.recipients_label == (
        "All future treatment, payment and health care operations uses"
    )


def test_database_accepts_a_treatment_consent_without_disclosure_elements(
    consent_factory, shipped_treatment
):
    consent = consent_factory(
        kind=ConsentKind.TREATMENT_KETAMINE,
        template=shipped_treatment,
        discloser="",
        information_description="",
        recipients="",
        purpose="",
        revocation_statement="",
        ending_event="",
    )

    assert PatientConsent.objects.get() == consent


def test_database_refuses_a_revocation_without_reason_or_actor(consent_factory):
    consent = consent_factory()
    consent.revoked_at = consent.signed_at

    with pytest.raises(IntegrityError, match="consent_revocation_complete"), transaction.atomic():
        consent.save()

    assert PatientConsent.objects.get().revoked_at is None


def test_database_allows_one_active_version_per_kind_and_scope(template_factory, boston):
    """A second active all-sites version of a kind is refused; a site's own one is allowed."""
    site_version = template_factory(site=boston, status=TemplateStatus.ACTIVE)

    # SQLite names the columns of a violated unique index, PostgreSQL the constraint.
    sqlite_message = r"UNIQUE constraint failed: consent_consenttemplate\.kind$"
    with (
        pytest.raises(IntegrityError, match=f"one_active_template_all_sites|{sqlite_message}"),
        transaction.atomic(),
    ):
        template_factory(status=TemplateStatus.ACTIVE)

    assert site_version.status == TemplateStatus.ACTIVE
    assert ConsentTemplate.objects.filter(status=TemplateStatus.ACTIVE).count() == 4


def test_database_refuses_a_duplicate_version_number_in_a_scope(template_factory):
    template_factory(version=7)

    sqlite_message = "consent_consenttemplate.kind, consent_consenttemplate.version$"
    with (
        pytest.raises(IntegrityError, match=f"template_version_unique_all_sites|{sqlite_message}"),
        transaction.atomic(),
    ):
        template_factory(version=7)

    assert ConsentTemplate.objects.filter(version=7).count() == 1
