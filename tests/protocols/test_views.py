from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from ketaclinic.audit.models import AuditEvent
from ketaclinic.protocols.models import ProtocolPhase, ProtocolVersion
from ketaclinic.protocols.selectors import active_version
from tests.factories import PatientFactory
from tests.protocols.factories import course_using, draft_from


def _form(version: ProtocolVersion, **overrides: Any) -> dict[str, Any]:
    """The new-version form as the page fills it from `version`, with `overrides`."""
    data: dict[str, Any] = {
        field: getattr(version, field)
        for field in (
            "route",
            "sessions_planned",
            "session_spacing_days",
            "schedule_description",
            "adjunct_therapy",
            "entry_condition",
            "vitals_interval_intra_minutes",
            "vitals_interval_post_minutes",
            "min_observation_minutes",
            "outcome_set",
            "source",
            "notes",
        )
    }
    for field in (
        "entry_min_hours_abstinent",
        "max_mg_per_kg",
        "max_total_mg",
        "min_infusion_minutes",
    ):
        value = getattr(version, field)
        data[field] = "" if value is None else value
    data["instrument_schedule"] = "meq30 post_infusion\ncraving post_infusion"
    data["change_reason"] = "Dose set by the medical director"
    for index, phase in enumerate(version.phases.all(), start=1):
        data |= {
            f"phase{index}-kind": phase.kind,
            f"phase{index}-session_number": phase.session_number,
            f"phase{index}-order": phase.order,
            f"phase{index}-mg_per_kg": "" if phase.mg_per_kg is None else phase.mg_per_kg,
            f"phase{index}-minutes": "" if phase.minutes is None else phase.minutes,
        }
    return data | overrides


def test_every_staff_role_reads_the_library_in_a_fixed_number_of_queries(
    nurse, client_for, django_assert_max_num_queries
):
    client = client_for(nurse)

    with django_assert_max_num_queries(8):
        response = client.get("/protocols/")

    html = response.content.decode()
    assert response.status_code == 200
    assert [row.template.code for row in response.context["rows"]] == [
        "azhari-cann-2021",
        "dakwar-alc-2020",
        "dakwar-coc-2019",
        "das-2019",
        "kare-2022",
        "krupitsky-her-2007",
    ]
    assert "Grabski M et al. Am J Psychiatry 2022 (KARE trial)" in html
    assert "Bolus 0.11 mg/kg over 2 min" in html
    assert "Infusion no dose set over 30 min" in html
    assert "The protocol das-2019 v1 has no dose" in html
    assert "New version" not in html


def test_library_query_count_does_not_grow_with_versions(
    clinic_admin, kare, das, client_for, django_assert_max_num_queries
):
    for version in (kare, das):
        draft_from(actor=clinic_admin, version=version)
    client = client_for(clinic_admin)

    with django_assert_max_num_queries(8):
        response = client.get("/protocols/")

    assert response.status_code == 200


def test_version_detail_shows_the_values_and_actions_for_an_admin(clinic_admin, client_for):
    response = client_for(clinic_admin).get("/protocols/dakwar-alc-2020/v1/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Quit day, at least 24 hours after the last drink (24 h abstinent)" in html
    assert "Infusion 0.6 mg/kg over 50 min" in html
    assert "/protocols/dakwar-alc-2020/v1/new-version/" in html
    assert client_for(clinic_admin).get("/protocols/dakwar-alc-2020/v9/").status_code == 404


def test_admin_sets_the_das_dose_in_a_new_version_and_activates_it(clinic_admin, das, client_for):
    """The medical director's flow from the pages: copy v1, set 0.5 mg/kg, activate."""
    client = client_for(clinic_admin)

    shown = client.get("/protocols/das-2019/v1/new-version/")
    created = client.post(
        "/protocols/das-2019/v1/new-version/",
        _form(das, **{"phase1-mg_per_kg": "0.5", "max_mg_per_kg": "0.5"}),
    )
    activated = client.post("/protocols/das-2019/v2/activate/")

    assert shown.status_code == 200
    assert (created.status_code, created["Location"]) == (302, "/protocols/das-2019/v2/")
    assert (activated.status_code, activated["Location"]) == (302, "/protocols/das-2019/v2/")
    current = active_version(code="das-2019")
    assert current.number == 2
    assert [(p.mg_per_kg, p.minutes) for p in current.phases.all()] == [(D("0.500"), 30)]
    assert current.change_reason == "Dose set by the medical director"
    assert current.instrument_schedule == [
        {"instrument": "meq30", "event": "post_infusion"},
        {"instrument": "craving", "event": "post_infusion"},
    ]
    das.refresh_from_db()
    assert das.status == "retired"


def test_a_refused_form_keeps_the_typed_values_and_writes_nothing(clinic_admin, kare, client_for):
    before = (ProtocolVersion.objects.count(), ProtocolPhase.objects.count())

    response = client_for(clinic_admin).post(
        "/protocols/kare-2022/v1/new-version/",
        _form(
            kare,
            **{"phase1-mg_per_kg": "0.95", "notes": "Keep this note", "change_reason": "Raise"},
        ),
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "Session 1 gives 0.95 mg/kg, above the maximum of 0.8 mg/kg" in html
    assert "Keep this note" in html
    assert 'value="0.95"' in html
    assert (ProtocolVersion.objects.count(), ProtocolPhase.objects.count()) == before


def test_change_reason_is_required(clinic_admin, kare, client_for):
    response = client_for(clinic_admin).post(
        "/protocols/kare-2022/v1/new-version/", _form(kare, change_reason="")
    )

    assert response.status_code == 422
    assert ProtocolVersion.objects.filter(template__code="kare-2022").count() == 1


def test_admin_edits_a_draft_but_not_a_version_in_use(
    clinic_admin, physician, boston, kare, client_for
):
    draft = draft_from(actor=clinic_admin, version=kare)
    client = client_for(clinic_admin)

    edited = client.post("/protocols/kare-2022/v2/edit/", _form(draft, notes="Edited draft"))
    course_using(version=draft, patient=PatientFactory(site=boston), physician=physician)
    refused = client.post("/protocols/kare-2022/v2/edit/", _form(draft, notes="Changed again"))

    assert edited.status_code == 302
    assert refused.status_code == 422
    assert "is used by a treatment course and is never edited" in refused.content.decode()
    draft.refresh_from_db()
    assert draft.notes == "Edited draft"


def test_activating_a_version_without_a_dose_is_refused_on_the_page(clinic_admin, das, client_for):
    draft_from(actor=clinic_admin, version=das)

    response = client_for(clinic_admin).post("/protocols/das-2019/v2/activate/")

    assert response.status_code == 400
    assert "das-2019 v2 cannot be activated yet" in response.content.decode()
    das.refresh_from_db()
    assert das.status == "active"


def test_a_nurse_cannot_create_or_activate_and_the_denial_is_audited(
    nurse, clinic_admin, kare, client_for
):
    draft_from(actor=clinic_admin, version=kare)
    client = client_for(nurse)
    before = ProtocolVersion.objects.count()

    shown = client.get("/protocols/kare-2022/v1/new-version/")
    posted = client.post("/protocols/kare-2022/v1/new-version/", _form(kare))
    activated = client.post("/protocols/kare-2022/v2/activate/")

    assert (shown.status_code, posted.status_code, activated.status_code) == (403, 403, 403)
    assert ProtocolVersion.objects.count() == before
    assert active_version(code="kare-2022").number == 1
    assert AuditEvent.objects.filter(actor=nurse, outcome="denied").count() == 3


def test_signed_out_users_are_sent_to_sign_in(client):
    response = client.get("/protocols/")

    assert response.status_code == 302
    assert "login" in response["Location"]
