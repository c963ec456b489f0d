"""Staff pages: the triage queue, inquiry detail, status changes, convert and attach."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.intake.models import Inquiry, InquiryStatus, InquiryStatusChange
from ketaclinic.patients.models import Patient


def _ago(hours: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=hours)


# --- queue ----------------------------------------------------------------------------


def test_queue_needs_a_login(client):
    response = client.get("/intake/")

    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/intake/")


def test_queue_shows_my_sites_urgent_first_then_oldest(
    frontdesk, boston, west_hartford, inquiry_factory, client_for
):
    """Given inquiries at two sites, Boston's front desk sees Boston's, urgent ones on top."""
    old = inquiry_factory(site=boston, last_name="Oldfield", received_at=_ago(48))
    urgent = inquiry_factory(
        site=boston, last_name="Urgentley", crisis_reported=True, received_at=_ago(1)
    )
    inquiry_factory(site=west_hartford, last_name="Hartwell")

    response = client_for(frontdesk).get("/intake/")

    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [urgent, old]
    content = response.content.decode()
    assert content.index("Urgentley") < content.index("Oldfield")
    assert '<span class="badge denied">Urgent</span>' in content
    assert "Hartwell" not in content
    assert 'name="site"' not in content  # one site: no site filter
    event = AuditEvent.objects.get(action=Action.READ)
    assert event.detail == f"inquiries {urgent.pk},{old.pk}"


def test_queue_filters_by_status_and_by_site_for_staff_at_several_sites(
    make_user, boston, west_hartford, inquiry_factory, client_for
):
    from ketaclinic.accounts.roles import Role

    both = make_user(Role.FRONT_DESK, boston, west_hartford, username="both-sites")
    inquiry_factory(site=boston, last_name="Bostonian")
    closed = inquiry_factory(site=west_hartford, last_name="Closedman", status="closed")
    inquiry_factory(site=west_hartford, last_name="Openwood")
    client = client_for(both)

    default = client.get("/intake/")
    closed_only = client.get("/intake/", {"status": "closed"})
    wh_only = client.get("/intake/", {"site": west_hartford.pk, "status": "all"})

    assert 'name="site"' in default.content.decode()
    assert [i.last_name for i in default.context["page"].object_list] == ["Bostonian", "Openwood"]
    assert list(closed_only.context["page"].object_list) == [closed]
    assert [i.last_name for i in wh_only.context["page"].object_list] == ["Closedman", "Openwood"]
    assert b'<th scope="col">Site</th>' in default.content


def test_queue_htmx_request_returns_the_table_partial(
    frontdesk, boston, inquiry_factory, client_for
):
    inquiry_factory(site=boston)

    response = client_for(frontdesk).get(
        "/intake/", {"status": "new"}, headers={"HX-Request": "true"}
    )

    assert next(t.name for t in response.templates) == "intake/_queue_table.html"
    assert b"<html" not in response.content


def test_queue_refuses_a_nurse_with_403_and_audits(nurse, client_for):
    response = client_for(nurse).get("/intake/")

    assert response.status_code == 403
    assert AuditEvent.objects.get().outcome == Outcome.DENIED


def test_queue_runs_the_same_number_of_queries_for_1_and_20_inquiries(
    frontdesk, boston, inquiry_factory, patient_factory, client_for
):
    """The queue page's query count does not grow with the inquiries shown."""
    client = client_for(frontdesk)
    inquiry_factory(site=boston, patient=patient_factory(site=boston), converted_at=_ago(1))
    client.get("/intake/")  # warm the session so both measured requests do the same work
    with CaptureQueriesContext(connection) as one:
        assert client.get("/intake/").status_code == 200

    inquiry_factory.create_batch(19, site=boston, crisis_reported=True)
    with CaptureQueriesContext(connection) as twenty:
        response = client.get("/intake/")

    assert len(response.context["page"].object_list) == 20
    assert len(one) == len(twenty)


# --- detail and status ----------------------------------------------------------------


def test_detail_shows_everything_submitted_and_the_history(
    frontdesk, boston, inquiry_factory, client_for
):
    inquiry = inquiry_factory(
        site=boston,
        first_name="Robin",
        last_name="Quillfeather",
        addictions=["gambling", "other"],
        addiction_other="Video games",
        prior_treatment="Outpatient counselling",
        pregnancy="unsure",
        crisis_reported=True,
    )
    client = client_for(frontdesk)
    client.post(f"/intake/{inquiry.pk}/status/", {"status": "contacted", "note": "Left voicemail"})

    response = client.get(f"/intake/{inquiry.pk}/")

    assert response.status_code == 200
    content = response.content.decode()
    for text in [
        "Quillfeather, Robin",
        "Gambling, Other: Video games",
        "Outpatient counselling",
        "<dt>Pregnant or could be</dt><dd>Not sure</dd>",
        "<dt>Thoughts of self-harm now</dt><dd>Yes</dd>",
        "<strong>Urgent:</strong>",
        "Left voicemail",
        "Convert to patient",
    ]:
        assert text in content
    assert [c.to_status for c in response.context["history"]] == ["contacted"]


def test_status_change_with_note_is_saved_and_audited(
    frontdesk, boston, inquiry_factory, client_for
):
    inquiry = inquiry_factory(site=boston)

    response = client_for(frontdesk).post(
        f"/intake/{inquiry.pk}/status/", {"status": "evaluation_booked", "note": "Booked Tuesday"}
    )

    assert (response.status_code, response["Location"]) == (302, f"/intake/{inquiry.pk}/")
    change = InquiryStatusChange.objects.get()
    assert (change.from_status, change.to_status, change.note, change.changed_by) == (
        "new",
        "evaluation_booked",
        "Booked Tuesday",
        frontdesk,
    )
    assert AuditEvent.objects.get(action=Action.UPDATE).detail == "status new -> evaluation_booked"


def test_status_change_without_note_is_refused_and_nothing_changes(
    frontdesk, boston, inquiry_factory, client_for
):
    inquiry = inquiry_factory(site=boston)

    response = client_for(frontdesk).post(
        f"/intake/{inquiry.pk}/status/", {"status": "closed", "note": ""}
    )

    assert response.status_code == 400
    assert b"Write a short note about this change." in response.content
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.NEW
    assert not InquiryStatusChange.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.UPDATE).exists()


def test_status_change_with_a_blank_note_is_refused_by_the_service(
    frontdesk, boston, inquiry_factory, client_for
):
    inquiry = inquiry_factory(site=boston)

    response = client_for(frontdesk).post(
        f"/intake/{inquiry.pk}/status/", {"status": "closed", "note": "   "}
    )

    assert response.status_code == 400
    assert not InquiryStatusChange.objects.exists()


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/intake/{pk}/", None),
        ("post", "/intake/{pk}/status/", {"status": "closed", "note": "Closing"}),
        ("get", "/intake/{pk}/convert/", None),
        ("post", "/intake/{pk}/convert/", {"first_name": "A", "last_name": "B"}),
        ("post", "/intake/{pk}/attach/", {"patient_id": "1"}),
    ],
)
def test_west_hartford_staff_get_404_for_a_boston_inquiry_and_it_is_audited(
    wh_frontdesk, boston, inquiry_factory, client_for, method, path, data
):
    inquiry = inquiry_factory(site=boston, last_name="Quillfeather")

    response = getattr(client_for(wh_frontdesk), method)(path.format(pk=inquiry.pk), data)

    assert response.status_code == 404
    assert b"No inquiry with that id at your sites." in response.content
    assert b"Quillfeather" not in response.content
    denial = AuditEvent.objects.get()
    assert (denial.action, denial.actor, denial.site_id, denial.target_id) == (
        Action.ACCESS_DENIED,
        wh_frontdesk,
        boston.pk,
        str(inquiry.pk),
    )
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.patient) == (InquiryStatus.NEW, None)
    assert not Patient.objects.exists()


# --- convert and attach ---------------------------------------------------------------


def test_convert_page_is_prefilled_and_asks_for_a_missing_birth_date(
    frontdesk, boston, inquiry_factory, client_for
):
    inquiry = inquiry_factory(
        site=boston, first_name="Robin", last_name="Quillfeather", date_of_birth=None
    )
    client = client_for(frontdesk)

    page = client.get(f"/intake/{inquiry.pk}/convert/")
    refused = client.post(
        f"/intake/{inquiry.pk}/convert/",
        {"first_name": "Robin", "last_name": "Quillfeather", "phone": inquiry.phone},
    )

    assert page.status_code == 200
    assert 'value="Robin"' in page.content.decode()
    assert f'value="{inquiry.phone}"' in page.content.decode()
    assert b"Create patient" in page.content
    assert refused.status_code == 400
    assert b"This field is required." in refused.content
    assert 'value="Quillfeather"' in refused.content.decode()
    assert not Patient.objects.exists()


def test_convert_creates_the_patient_and_opens_the_chart(
    frontdesk, boston, inquiry_factory, client_for
):
    inquiry = inquiry_factory(site=boston, first_name="Robin", last_name="Quillfeather")

    response = client_for(frontdesk).post(
        f"/intake/{inquiry.pk}/convert/",
        {
            "first_name": "Robin",
            "last_name": "Quillfeather",
            "date_of_birth": "04/12/1985",
            "phone": inquiry.phone,
            "email": inquiry.email,
        },
    )

    patient = Patient.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/patients/{patient.pk}/")
    assert (patient.mrn, patient.last_name, patient.date_of_birth) == (
        "BOS000001",
        "Quillfeather",
        dt.date(1985, 4, 12),
    )
    inquiry.refresh_from_db()
    assert inquiry.patient == patient


def test_convert_with_a_duplicate_offers_attach_or_create_anyway(
    frontdesk, boston, inquiry_factory, patient_factory, client_for
):
    existing = patient_factory(site=boston, email="robin.q@example.org", mrn="BOS000005")
    inquiry = inquiry_factory(site=boston, email="robin.q@example.org")

    response = client_for(frontdesk).get(f"/intake/{inquiry.pk}/convert/")

    content = response.content.decode()
    assert "This person may already be a patient at Boston, MA" in content
    assert "BOS000005" in content
    assert f'<input type="hidden" name="patient_id" value="{existing.pk}">' in content
    assert "Attach to this patient" in content
    assert "Create a new patient anyway" in content
    assert 'name="create_anyway"' in content


def test_create_anyway_needs_the_confirmation_box(
    frontdesk, boston, inquiry_factory, patient_factory, client_for
):
    patient_factory(site=boston, email="robin.q@example.org", mrn="BOS000005")
    inquiry = inquiry_factory(site=boston, email="robin.q@example.org")
    data = {
        "first_name": inquiry.first_name,
        "last_name": inquiry.last_name,
        "date_of_birth": "1985-04-12",
        "email": "robin.q@example.org",
    }
    client = client_for(frontdesk)

    unconfirmed = client.post(f"/intake/{inquiry.pk}/convert/", data)
    assert unconfirmed.status_code == 400
    assert b"may be this person" in unconfirmed.content
    assert Patient.objects.count() == 1

    confirmed = client.post(f"/intake/{inquiry.pk}/convert/", {**data, "create_anyway": "on"})
    assert confirmed.status_code == 302
    assert Patient.objects.count() == 2


def test_typed_birth_date_that_matches_a_patient_shows_the_candidates(
    frontdesk, boston, inquiry_factory, patient_factory, client_for
):
    existing = patient_factory(
        site=boston, first_name="Robin", last_name="Quillfeather", date_of_birth=dt.date(1990, 2, 3)
    )
    inquiry = inquiry_factory(
        site=boston, first_name="Robin", last_name="Quillfeather", date_of_birth=None
    )

    response = client_for(frontdesk).post(
        f"/intake/{inquiry.pk}/convert/",
        {"first_name": "Robin", "last_name": "Quillfeather", "date_of_birth": "1990-02-03"},
    )

    assert response.status_code == 400
    assert [c.patient for c in response.context["candidates"]] == [existing]
    assert Patient.objects.count() == 1


def test_attach_links_the_inquiry_without_creating_a_patient(
    frontdesk, boston, inquiry_factory, patient_factory, client_for
):
    existing = patient_factory(site=boston, email="robin.q@example.org", mrn="BOS000005")
    inquiry = inquiry_factory(site=boston, email="robin.q@example.org")

    response = client_for(frontdesk).post(
        f"/intake/{inquiry.pk}/attach/", {"patient_id": existing.pk}
    )

    assert (response.status_code, response["Location"]) == (302, f"/patients/{existing.pk}/")
    assert Patient.objects.count() == 1
    inquiry.refresh_from_db()
    assert inquiry.patient == existing
    assert Inquiry.objects.filter(patient=existing).count() == 1
