from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.consent.models import ConsentTemplate, RedisclosureNotice, TemplateStatus
from tests.consent.factories import sign_treatment


def test_admin_sees_every_version_and_the_redisclosure_notice(clinic_admin, client_for):
    response = client_for(clinic_admin).get("/consents/templates/")

    assert response.status_code == 200
    assert {t.kind for t in response.context["templates"]} == {
        "treatment_ketamine",
        "part2_disclosure",
        "counselling_notes_part2",
    }
    html = response.content.decode()
    assert "Informed consent for IV ketamine treatment (example)" in html
    assert "confirm the 2024 wording" in html
    assert "42 CFR part 2 prohibits unauthorized use or disclosure of these records." in html


def test_admin_creates_a_draft_from_the_form(clinic_admin, boston, client_for):
    response = client_for(clinic_admin).post(
        "/consents/templates/new/",
        {
            "kind": "treatment_ketamine",
            "site": boston.pk,
            "title": "Boston treatment consent",
            "body": "Boston text.",
        },
    )

    assert (response.status_code, response["Location"]) == (302, "/consents/templates/")
    created = ConsentTemplate.objects.get(title="Boston treatment consent")
    assert (created.site, created.version, created.status) == (boston, 1, TemplateStatus.DRAFT)


def test_template_form_missing_text_keeps_the_typed_values(clinic_admin, client_for):
    before = ConsentTemplate.objects.count()

    response = client_for(clinic_admin).post(
        "/consents/templates/new/",
        {"kind": "part2_disclosure", "site": "", "title": "Keep this title", "body": ""},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Text is missing: paste the consent text the patient will read." in html
    assert "Revocation statement is missing" in html
    assert 'value="Keep this title"' in html
    assert ConsentTemplate.objects.count() == before


def test_editing_a_signed_version_is_refused_with_a_pointer_to_a_new_version(
    clinic_admin, physician, patient, shipped_treatment, client_for
):
    sign_treatment(actor=physician, patient=patient)
    client = client_for(clinic_admin)
    url = f"/consents/templates/{shipped_treatment.pk}/edit/"

    shown = client.get(url)
    refused = client.post(url, {"title": "Changed", "body": "Changed text."})

    assert shown.status_code == 200
    assert "create a new version and edit that instead" in shown.content.decode()
    assert refused.status_code == 400
    assert "create a new version and edit that instead" in refused.content.decode()
    shipped_treatment.refresh_from_db()
    assert shipped_treatment.title == "Informed consent for IV ketamine treatment (example)"


def test_new_version_then_activate_from_the_pages(clinic_admin, shipped_part2, client_for):
    client = client_for(clinic_admin)

    created = client.post(f"/consents/templates/{shipped_part2.pk}/new-version/")
    draft = ConsentTemplate.objects.get(kind="part2_disclosure", version=2)
    edited = client.post(
        f"/consents/templates/{draft.pk}/edit/",
        {"title": "Reviewed form", "body": "Reviewed text.", "revocation_statement": "Tell us."},
    )
    activated = client.post(f"/consents/templates/{draft.pk}/activate/")

    assert created["Location"] == f"/consents/templates/{draft.pk}/edit/"
    assert (edited.status_code, activated.status_code) == (302, 302)
    draft.refresh_from_db()
    shipped_part2.refresh_from_db()
    assert (draft.title, draft.status, shipped_part2.status) == (
        "Reviewed form",
        TemplateStatus.ACTIVE,
        TemplateStatus.RETIRED,
    )


def test_activating_a_retired_version_shows_the_refusal(clinic_admin, template_factory, client_for):
    template = template_factory(status=TemplateStatus.RETIRED)

    response = client_for(clinic_admin).post(f"/consents/templates/{template.pk}/activate/")

    assert response.status_code == 400
    assert b"only a draft can be activated" in response.content
    template.refresh_from_db()
    assert template.status == TemplateStatus.RETIRED


def test_admin_publishes_a_new_notice_version(clinic_admin, client_for):
    response = client_for(clinic_admin).post(
        "/consents/templates/redisclosure-notice/new/",
        {"text": "Reviewed notice.", "abbreviated_text": "", "source": "42 CFR 2.32(a)"},
    )

    assert response.status_code == 302
    newest = RedisclosureNotice.objects.get(version=2)
    assert (newest.text, newest.created_by) == ("Reviewed notice.", clinic_admin)


TEMPLATE_PAGES = [
    ("get", "/consents/templates/"),
    ("get", "/consents/templates/new/"),
    ("post", "/consents/templates/new/"),
    ("get", "/consents/templates/{template}/edit/"),
    ("post", "/consents/templates/{template}/edit/"),
    ("post", "/consents/templates/{template}/new-version/"),
    ("post", "/consents/templates/{template}/activate/"),
    ("post", "/consents/templates/{template}/retire/"),
    ("get", "/consents/templates/redisclosure-notice/new/"),
    ("post", "/consents/templates/redisclosure-notice/new/"),
]


@pytest.mark.parametrize(("method", "path"), TEMPLATE_PAGES)
def test_staff_who_are_not_clinic_admins_get_403_on_template_pages_and_it_is_audited(
    physician, template_factory, client_for, method, path
):
    template = template_factory()
    before = list(ConsentTemplate.objects.values_list("id", "status", "title"))
    data = {"kind": "treatment_ketamine", "title": "X", "body": "Y", "text": "Z", "source": "S"}

    response = getattr(client_for(physician), method)(
        path.format(template=template.pk), data if method == "post" else None
    )

    assert response.status_code == 403
    denial = AuditEvent.objects.get(actor=physician)
    assert (denial.action, denial.detail, denial.outcome) == (
        Action.ACCESS_DENIED,
        "missing permission consent_template.manage",
        Outcome.DENIED,
    )
    assert list(ConsentTemplate.objects.values_list("id", "status", "title")) == before
    assert RedisclosureNotice.objects.count() == 1


@pytest.mark.parametrize(("method", "path"), [p for p in TEMPLATE_PAGES if "{template}" in p[1]])
def test_west_hartford_admin_gets_404_for_a_boston_template_and_it_is_audited(
    wh_admin, boston, template_factory, client_for, method, path
):
    template = template_factory(site=boston)
    title = template.title

    response = getattr(client_for(wh_admin), method)(
        path.format(template=template.pk), {"title": "X", "body": "Y"} if method == "post" else None
    )

    assert response.status_code == 404
    denial = AuditEvent.objects.get(actor=wh_admin)
    assert (denial.action, denial.target_id) == (Action.ACCESS_DENIED, str(template.pk))
    assert ConsentTemplate.objects.filter(site=boston).count() == 1
    template.refresh_from_db()
    assert (template.status, template.title) == (TemplateStatus.DRAFT, title)


def test_template_list_runs_the_same_number_of_queries_for_few_and_many_versions(
    clinic_admin, boston, template_factory, client_for
):
    client = client_for(clinic_admin)
    client.get("/consents/templates/")  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get("/consents/templates/")
    template_factory.create_batch(20, site=boston)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/consents/templates/")

    assert len(response.context["templates"]) == 23
    assert len(few) == len(many)
