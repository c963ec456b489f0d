"""The inquiries API: list, detail, status change, convert."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.intake.models import InquiryStatus, InquiryStatusChange
from ketaclinic.patients.models import Patient


def _ago(hours: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=hours)


def test_list_returns_my_sites_urgent_first_with_paging_fields(
    frontdesk, boston, west_hartford, inquiry_factory, api_client_for
):
    old = inquiry_factory(
        site=boston,
        first_name="Robin",
        last_name="Quillfeather",
        phone="(857) 555-0142",
        email="robin.q@example.org",
        received_at=dt.datetime(2025, 3, 1, 14, 0, tzinfo=dt.UTC),
    )
    urgent = inquiry_factory(site=boston, crisis_reported=True, received_at=_ago(1))
    inquiry_factory(site=west_hartford)

    response = api_client_for(frontdesk).get("/api/v1/inquiries")

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["limit"], body["offset"]) == (2, 25, 0)
    assert [item["id"] for item in body["items"]] == [urgent.pk, old.pk]
    assert body["items"][1] == {
        "id": old.pk,
        "site": "boston",
        "status": "new",
        "is_urgent": False,
        "crisis_reported": False,
        "received_at": "2025-03-01T14:00:00Z",
        "first_name": "Robin",
        "last_name": "Quillfeather",
        "date_of_birth": "1985-04-12",
        "phone": "(857) 555-0142",
        "email": "robin.q@example.org",
        "preferred_contact": "phone",
        "addictions": ["alcohol"],
        "addiction_other": "",
        "prior_treatment": "",
        "high_blood_pressure": "no",
        "psychosis_history": "no",
        "pregnancy": "no",
        "prior_ketamine_misuse": "no",
        "patient_id": None,
    }
    event = AuditEvent.objects.get(action=Action.READ)
    assert (event.target_type, event.detail) == ("inquiry_list", f"inquiries {urgent.pk},{old.pk}")


def test_list_filters_by_status_and_urgent(frontdesk, boston, inquiry_factory, api_client_for):
    contacted = inquiry_factory(site=boston, status=InquiryStatus.CONTACTED)
    urgent = inquiry_factory(site=boston, crisis_reported=True)
    inquiry_factory(site=boston)
    client = api_client_for(frontdesk)

    by_status = client.get("/api/v1/inquiries", {"status": "contacted"}).json()
    by_urgent = client.get("/api/v1/inquiries", {"urgent": "true"}).json()
    paged = client.get("/api/v1/inquiries", {"limit": 1, "offset": 1}).json()

    assert [i["id"] for i in by_status["items"]] == [contacted.pk]
    assert [i["id"] for i in by_urgent["items"]] == [urgent.pk]
    assert (paged["count"], len(paged["items"])) == (3, 1)


def test_list_rejects_unknown_parameters_and_statuses(frontdesk, api_client_for):
    client = api_client_for(frontdesk)

    unknown = client.get("/api/v1/inquiries", {"name": "x"})
    bad_status = client.get("/api/v1/inquiries", {"status": "lost"})

    assert unknown.status_code == 400
    assert unknown.json()["detail"] == (
        "Unknown query parameter(s): name. Allowed: limit, offset, status, urgent."
    )
    assert bad_status.status_code == 422


def test_list_refuses_a_nurse(nurse, api_client_for):
    response = api_client_for(nurse).get("/api/v1/inquiries")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_list_runs_the_same_number_of_queries_for_1_and_20_inquiries(
    frontdesk, boston, inquiry_factory, api_client_for
):
    client = api_client_for(frontdesk)
    inquiry_factory(site=boston)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/api/v1/inquiries").json()["items"]) == 1
    inquiry_factory.create_batch(19, site=boston)
    with CaptureQueriesContext(connection) as twenty:
        assert len(client.get("/api/v1/inquiries").json()["items"]) == 20

    assert len(one) == len(twenty)


def test_get_returns_the_inquiry_with_its_history(
    frontdesk, boston, inquiry_factory, api_client_for
):
    inquiry = inquiry_factory(site=boston)
    client = api_client_for(frontdesk)
    client.post(
        f"/api/v1/inquiries/{inquiry.pk}/status",
        {"status": "contacted", "note": "Left voicemail"},
        content_type="application/json",
    )

    body = client.get(f"/api/v1/inquiries/{inquiry.pk}").json()

    assert body["status"] == "contacted"
    assert [
        (h["from_status"], h["to_status"], h["note"], h["changed_by"]) for h in body["history"]
    ] == [("new", "contacted", "Left voicemail", "frontdesk")]


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("post", "/status", {"status": "closed", "note": "Closing"}),
        ("post", "/convert", {"create_anyway": True}),
        ("post", "/convert", {"attach_to_patient_id": 1}),
    ],
)
def test_west_hartford_staff_get_404_for_a_boston_inquiry_and_it_is_audited(
    wh_frontdesk, boston, inquiry_factory, api_client_for, method, suffix, body
):
    inquiry = inquiry_factory(site=boston)
    client = api_client_for(wh_frontdesk)
    url = f"/api/v1/inquiries/{inquiry.pk}{suffix}"

    response = client.get(url) if method == "get" else client.post(url, body, "application/json")

    assert response.status_code == 404
    assert response.json() == {
        "detail": "No inquiry with that id at your sites.",
        "code": "not_found",
    }
    denial = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert (denial.actor, denial.site_id, denial.target_id) == (
        wh_frontdesk,
        boston.pk,
        str(inquiry.pk),
    )
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.patient) == (InquiryStatus.NEW, None)
    assert not Patient.objects.exists()


def test_status_change_returns_the_updated_inquiry(
    frontdesk, boston, inquiry_factory, api_client_for
):
    inquiry = inquiry_factory(site=boston)

    response = api_client_for(frontdesk).post(
        f"/api/v1/inquiries/{inquiry.pk}/status",
        {"status": "referred_elsewhere", "note": "Needs in-patient care first"},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json()["status"] == "referred_elsewhere"
    assert InquiryStatusChange.objects.get().note == "Needs in-patient care first"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"status": "closed", "note": "  "}, 400),
        ({"status": "closed"}, 422),
        ({"status": "closed", "note": "x", "urgent": True}, 422),
        ({"status": "lost", "note": "x"}, 422),
    ],
)
def test_status_change_bad_input_changes_nothing(
    frontdesk, boston, inquiry_factory, api_client_for, body, status
):
    inquiry = inquiry_factory(site=boston)

    response = api_client_for(frontdesk).post(
        f"/api/v1/inquiries/{inquiry.pk}/status", body, content_type="application/json"
    )

    assert response.status_code == status
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.NEW
    assert not InquiryStatusChange.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.UPDATE).exists()


def test_convert_creates_a_patient_and_returns_201(
    frontdesk, boston, inquiry_factory, api_client_for
):
    inquiry = inquiry_factory(site=boston, date_of_birth=None)

    response = api_client_for(frontdesk).post(
        f"/api/v1/inquiries/{inquiry.pk}/convert",
        {"date_of_birth": "1990-02-03"},
        content_type="application/json",
    )

    patient = Patient.objects.get()
    assert response.status_code == 201
    assert response.json() == {"patient_id": patient.pk, "mrn": "BOS000001", "created": True}
    assert patient.date_of_birth == dt.date(1990, 2, 3)


def test_convert_without_birth_date_is_400_naming_the_field(
    frontdesk, boston, inquiry_factory, api_client_for
):
    inquiry = inquiry_factory(site=boston, date_of_birth=None)

    response = api_client_for(frontdesk).post(
        f"/api/v1/inquiries/{inquiry.pk}/convert", {}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "date_of_birth", "messages": ["Enter the date of birth."]}
    ]
    assert not Patient.objects.exists()


def test_convert_with_duplicates_is_409_with_the_candidates_then_attach_links(
    frontdesk, boston, inquiry_factory, patient_factory, api_client_for
):
    existing = patient_factory(site=boston, phone="(857) 555-0142", mrn="BOS000005")
    inquiry = inquiry_factory(site=boston, phone="857-555-0142")
    client = api_client_for(frontdesk)
    url = f"/api/v1/inquiries/{inquiry.pk}/convert"

    conflict = client.post(url, {}, content_type="application/json")
    attached = client.post(url, {"attach_to_patient_id": existing.pk}, "application/json")

    assert conflict.status_code == 409
    assert conflict.json()["code"] == "conflict"
    assert conflict.json()["candidates"] == [
        {"patient_id": existing.pk, "mrn": "BOS000005", "matched_on": ["phone"]}
    ]
    assert attached.status_code == 200
    assert attached.json() == {"patient_id": existing.pk, "mrn": "BOS000005", "created": False}
    assert Patient.objects.count() == 1
    inquiry.refresh_from_db()
    assert inquiry.patient == existing


def test_convert_create_anyway_makes_a_second_patient(
    frontdesk, boston, inquiry_factory, patient_factory, api_client_for
):
    patient_factory(site=boston, phone="(857) 555-0142", mrn="BOS000005")
    inquiry = inquiry_factory(site=boston, phone="(857) 555-0142")

    response = api_client_for(frontdesk).post(
        f"/api/v1/inquiries/{inquiry.pk}/convert",
        {"create_anyway": True},
        content_type="application/json",
    )

    assert (response.status_code, response.json()["mrn"]) == (201, "BOS000006")
    assert Patient.objects.count() == 2


def test_convert_twice_is_a_409_conflict(frontdesk, boston, inquiry_factory, api_client_for):
    inquiry = inquiry_factory(site=boston)
    client = api_client_for(frontdesk)
    url = f"/api/v1/inquiries/{inquiry.pk}/convert"
    client.post(url, {}, content_type="application/json")

    again = client.post(url, {}, content_type="application/json")

    assert again.status_code == 409
    assert again.json() == {
        "detail": "This inquiry is already linked to patient BOS000001: "
        "open that patient's chart instead.",
        "code": "conflict",
    }
    assert Patient.objects.count() == 1


def test_convert_refuses_attach_and_create_together(
    frontdesk, boston, inquiry_factory, patient_factory, api_client_for
):
    existing = patient_factory(site=boston)
    inquiry = inquiry_factory(site=boston)

    response = api_client_for(frontdesk).post(
        f"/api/v1/inquiries/{inquiry.pk}/convert",
        {"attach_to_patient_id": existing.pk, "create_anyway": True},
        content_type="application/json",
    )

    assert response.status_code == 400
    inquiry.refresh_from_db()
    assert inquiry.patient is None


def test_openapi_documents_the_inquiry_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    assert {
        "/api/v1/inquiries",
        "/api/v1/inquiries/{inquiry_id}",
        "/api/v1/inquiries/{inquiry_id}/status",
        "/api/v1/inquiries/{inquiry_id}/convert",
    } <= set(paths)
    assert set(paths["/api/v1/inquiries/{inquiry_id}/convert"]["post"]["responses"]) >= {
        "200",
        "201",
        "404",
        "409",
    }
