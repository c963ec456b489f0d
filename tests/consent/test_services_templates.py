from __future__ import annotations

import pytest

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.consent import services
from ketaclinic.consent.models import (
    ConsentKind,
    ConsentTemplate,
    RedisclosureNotice,
    TemplateStatus,
)
from ketaclinic.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from tests.consent.factories import sign_treatment


def _updates(template: ConsentTemplate) -> list[tuple[str, str]]:
    events = AuditEvent.objects.filter(target_type="consent_template", target_id=str(template.pk))
    return list(events.order_by("id").values_list("action", "detail"))


def test_admin_creates_a_draft_numbered_within_its_site_scope(clinic_admin, boston):
    """Given the shipped all-sites v1, when an admin writes a Boston form, it is Boston's v1."""
    template = services.consent_template_create(
        actor=clinic_admin,
        kind=ConsentKind.PART2_DISCLOSURE,
        title="Boston disclosure form",
        body="Boston text.",
        revocation_statement="Tell the front desk.",
        site=boston,
    )

    assert (template.version, template.status, template.site, template.created_by) == (
        1,
        TemplateStatus.DRAFT,
        boston,
        clinic_admin,
    )
    event = AuditEvent.objects.get(action=Action.CREATE, target_type="consent_template")
    assert (event.site_id, event.detail) == (boston.pk, "part2_disclosure v1: draft created")


def test_part2_template_without_revocation_statement_is_refused(clinic_admin):
    before = ConsentTemplate.objects.count()

    with pytest.raises(ApplicationError) as refused:
        services.consent_template_create(
            actor=clinic_admin, kind=ConsentKind.PART2_DISCLOSURE, title="Form", body="Text."
        )

    assert "Revocation statement is missing" in refused.value.message
    assert list(refused.value.field_errors) == ["revocation_statement"]
    assert ConsentTemplate.objects.count() == before


def test_admin_cannot_write_a_template_for_a_site_they_do_not_work_at(clinic_admin, west_hartford):
    before = ConsentTemplate.objects.count()

    with pytest.raises(PermissionDeniedError, match="a site you work at"):
        services.consent_template_create(
            actor=clinic_admin,
            kind=ConsentKind.TREATMENT_KETAMINE,
            title="Form",
            body="Text.",
            site=west_hartford,
        )

    assert ConsentTemplate.objects.count() == before


@pytest.mark.parametrize("role_fixture", ["physician", "frontdesk"])
def test_staff_without_template_permission_get_403_and_an_audited_denial(
    request, role_fixture, shipped_treatment
):
    """A physician or front desk may sign consents but not manage templates."""
    user = request.getfixturevalue(role_fixture)
    before = ConsentTemplate.objects.count()

    with pytest.raises(PermissionDeniedError):
        services.consent_template_new_version(actor=user, template_id=shipped_treatment.pk)

    assert ConsentTemplate.objects.count() == before
    denial = AuditEvent.objects.get(actor=user, action=Action.ACCESS_DENIED)
    assert (denial.target_type, denial.detail, denial.outcome) == (
        "consent_template",
        "missing permission consent_template.manage",
        Outcome.DENIED,
    )


def test_new_version_copies_the_text_as_a_draft_and_leaves_the_source(
    clinic_admin, shipped_treatment
):
    draft = services.consent_template_new_version(
        actor=clinic_admin, template_id=shipped_treatment.pk
    )

    assert (draft.version, draft.status, draft.supersedes, draft.site) == (
        2,
        TemplateStatus.DRAFT,
        shipped_treatment,
        None,
    )
    assert (draft.title, draft.body) == (shipped_treatment.title, shipped_treatment.body)
    shipped_treatment.refresh_from_db()
    assert shipped_treatment.status == TemplateStatus.ACTIVE


def test_activating_a_version_retires_the_previous_active_one(clinic_admin, shipped_treatment):
    """Given v1 active and a v2 draft, when v2 is activated, then v1 is retired, both audited."""
    draft = services.consent_template_new_version(
        actor=clinic_admin, template_id=shipped_treatment.pk
    )

    services.consent_template_activate(actor=clinic_admin, template_id=draft.pk)

    shipped_treatment.refresh_from_db()
    draft.refresh_from_db()
    assert (shipped_treatment.status, draft.status) == (
        TemplateStatus.RETIRED,
        TemplateStatus.ACTIVE,
    )
    assert shipped_treatment.retired_at is not None
    assert draft.activated_at is not None
    assert _updates(shipped_treatment) == [
        ("update", "treatment_ketamine v1: retired by activation of v2")
    ]
    assert _updates(draft)[-1] == ("update", "treatment_ketamine v2: activated")


def test_activating_a_site_version_leaves_the_all_sites_version_active(
    clinic_admin, boston, shipped_treatment
):
    draft = services.consent_template_create(
        actor=clinic_admin,
        kind=ConsentKind.TREATMENT_KETAMINE,
        title="Boston form",
        body="Text.",
        site=boston,
    )

    services.consent_template_activate(actor=clinic_admin, template_id=draft.pk)

    shipped_treatment.refresh_from_db()
    assert shipped_treatment.status == TemplateStatus.ACTIVE


def test_only_a_draft_can_be_activated(clinic_admin, shipped_treatment):
    with pytest.raises(ApplicationError, match="only a draft can be activated"):
        services.consent_template_activate(actor=clinic_admin, template_id=shipped_treatment.pk)

    shipped_treatment.refresh_from_db()
    assert shipped_treatment.status == TemplateStatus.ACTIVE


def test_a_version_patients_signed_is_never_edited_in_place(
    clinic_admin, physician, patient, template_factory
):
    """Given a draft activated and signed, when the admin edits it, then it is refused unchanged."""
    template = template_factory(kind=ConsentKind.TREATMENT_KETAMINE, site=patient.site)
    services.consent_template_activate(actor=clinic_admin, template_id=template.pk)
    sign_treatment(actor=physician, patient=patient)

    with pytest.raises(ApplicationError) as refused:
        services.consent_template_update(
            actor=clinic_admin, template_id=template.pk, title="New title", body="New text."
        )

    assert refused.value.message == (
        f"Version {template.version} of '{template.title}' has been signed by patients, so its "
        "text can never change: create a new version and edit that instead."
    )
    title = template.title
    template.refresh_from_db()
    assert (template.title, template.body) == (title, "Synthetic consent text for tests.")
    assert not AuditEvent.objects.filter(action=Action.UPDATE, detail__endswith="text edited")


def test_an_unsigned_draft_can_be_edited(clinic_admin, template_factory):
    template = template_factory()

    services.consent_template_update(
        actor=clinic_admin,
        template_id=template.pk,
        title="Clearer title",
        body="Clearer text.",
        revocation_statement="Tell any staff member.",
    )

    template.refresh_from_db()
    assert (template.title, template.body, template.revocation_statement) == (
        "Clearer title",
        "Clearer text.",
        "Tell any staff member.",
    )
    assert _updates(template) == [("update", f"part2_disclosure v{template.version}: text edited")]


def test_a_retired_version_cannot_be_edited(clinic_admin, template_factory):
    template = template_factory(status=TemplateStatus.RETIRED)

    with pytest.raises(ApplicationError, match="is retired: create a new version from it"):
        services.consent_template_update(
            actor=clinic_admin, template_id=template.pk, title="X", body="Y"
        )

    template.refresh_from_db()
    assert template.title != "X"


def test_an_active_version_nobody_signed_yet_is_not_edited_either(clinic_admin, shipped_part2):
    """A patient may be reading the active text right now: changes go into a new version."""
    with pytest.raises(ApplicationError) as refused:
        services.consent_template_update(
            actor=clinic_admin, template_id=shipped_part2.pk, title="X", body="Y"
        )

    assert refused.value.message == (
        f"Version 1 of '{shipped_part2.title}' is active, so a patient may be reading it right "
        "now: create a new version, edit that, then activate it."
    )
    shipped_part2.refresh_from_db()
    assert shipped_part2.title != "X"


def test_retire_keeps_the_row_and_refuses_a_second_time(clinic_admin, template_factory):
    template = template_factory()

    services.consent_template_retire(actor=clinic_admin, template_id=template.pk)
    with pytest.raises(ApplicationError, match="already retired"):
        services.consent_template_retire(actor=clinic_admin, template_id=template.pk)

    template.refresh_from_db()
    assert template.status == TemplateStatus.RETIRED
    assert len(_updates(template)) == 1


def test_west_hartford_admin_gets_404_for_a_boston_template_and_it_is_audited(
    wh_admin, boston, template_factory
):
    template = template_factory(site=boston)

    with pytest.raises(NotFoundError):
        services.consent_template_activate(actor=wh_admin, template_id=template.pk)

    template.refresh_from_db()
    assert template.status == TemplateStatus.DRAFT
    denial = AuditEvent.objects.get(actor=wh_admin, action=Action.ACCESS_DENIED)
    assert (denial.target_id, denial.outcome) == (str(template.pk), Outcome.DENIED)


def test_publishing_a_notice_adds_a_version_and_keeps_the_old_one(clinic_admin):
    notice = services.redisclosure_notice_publish(
        actor=clinic_admin,
        text="Reviewed notice text.",
        abbreviated_text="Short notice.",
        source="42 CFR 2.32(a), reviewed by counsel",
    )

    assert notice.version == 2
    assert list(RedisclosureNotice.objects.values_list("version", flat=True)) == [2, 1]


def test_publishing_a_notice_without_text_changes_nothing(clinic_admin):
    with pytest.raises(ApplicationError, match="Notice text is missing"):
        services.redisclosure_notice_publish(
            actor=clinic_admin, text=" ", abbreviated_text="", source="42 CFR 2.32"
        )

    assert RedisclosureNotice.objects.count() == 1
