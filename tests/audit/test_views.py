from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import NotFoundError
from ketaclinic.patients import selectors


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_compliance_sees_denials_at_own_site_but_not_other_sites_events(
    compliance, wh_therapist, boston, west_hartford, patient_factory, make_user, client_for
):
    """A Boston compliance officer sees wh-therapist's denied attempt on a Boston patient."""
    boston_patient = patient_factory(site=boston, mrn="BOS000001")
    wh_patient = patient_factory(site=west_hartford, mrn="WES000001")
    with contextlib.suppress(NotFoundError):
        selectors.patient_get(user=wh_therapist, patient_id=boston_patient.pk)
    selectors.patient_get(user=wh_therapist, patient_id=wh_patient.pk)  # a West Hartford read

    response = client_for(compliance).get("/audit/", {"action": "access_denied"})

    events = list(response.context["page"].object_list)
    assert [(e.actor_username, e.patient.mrn, e.outcome) for e in events] == [
        ("wh-therapist", "BOS000001", Outcome.DENIED)
    ]
    assert b"wh-therapist" in response.content
    everything = client_for(compliance).get("/audit/").context["page"].object_list
    assert "WES000001" not in [e.patient.mrn for e in everything if e.patient]


def test_filters_by_time_actor_patient_and_action(
    compliance, physician, boston, patient_factory, client_for
):
    patient = patient_factory(site=boston, mrn="BOS000009")
    selectors.patient_get(user=physician, patient_id=patient.pk)
    audit_record(actor=physician, action=Action.LOGIN, target_type="session")
    now = timezone.now()  # the page reads filters as UTC
    client = client_for(compliance)

    def shown(**query: str) -> list[tuple[str, str]]:
        page = client.get("/audit/", query).context["page"]
        return [(e.actor_username, e.action) for e in page.object_list]

    assert shown(actor="physician", patient="BOS000009") == [("physician", "read")]
    assert shown(actor="physician", action="login") == [("physician", "login")]
    later = (now + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    assert shown(start=later) == []
    earlier = (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    assert shown(start=earlier, end=later, actor="physician") == [
        ("physician", "login"),
        ("physician", "read"),
    ]


def test_inverted_time_range_is_a_400_with_a_fix(compliance, client_for):
    audit_record(actor=compliance, action=Action.LOGIN, target_type="session")
    response = client_for(compliance).get(
        "/audit/", {"start": "2026-05-02T10:00", "end": "2026-05-01T10:00"}
    )

    assert response.status_code == 400
    assert "“To” is before “From”: swap them or widen the range." in response.content.decode()
    assert list(response.context["page"].object_list) == []  # no unfiltered rows below it


def test_csv_export_has_the_filtered_rows_and_is_itself_audited(
    compliance, physician, boston, patient_factory, client_for
):
    patient = patient_factory(site=boston, mrn="BOS000003")
    selectors.patient_get(user=physician, patient_id=patient.pk)

    response = client_for(compliance).get("/audit/export.csv", {"patient": "BOS000003"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    rows = _rows(response)
    assert rows[0][:6] == ["occurred_at_utc", "actor", "roles", "site", "patient_mrn", "action"]
    assert [(r[1], r[3], r[4], r[5], r[8]) for r in rows[1:]] == [
        ("physician", "boston", "BOS000003", "read", "success")
    ]
    assert rows[1][0].endswith("+00:00")
    export = AuditEvent.objects.get(action=Action.EXPORT)
    assert (export.actor_username, export.target_type) == ("compliance", "audit_log")


def test_staff_without_audit_permission_are_refused_and_the_refusal_is_audited(
    physician, client_for
):
    page = client_for(physician).get("/audit/")
    export = client_for(physician).get("/audit/export.csv")

    assert (page.status_code, export.status_code) == (403, 403)
    assert AuditEvent.objects.filter(actor=physician, action=Action.ACCESS_DENIED).count() == 2
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


def test_audit_log_page_query_count_does_not_grow_with_rows(
    compliance, physician, boston, patient_factory, client_for
):
    client = client_for(compliance)
    patient = patient_factory(site=boston)
    selectors.patient_get(user=physician, patient_id=patient.pk)
    client.get("/audit/")
    with CaptureQueriesContext(connection) as few:
        client.get("/audit/", {"actor": "physician"})
    for _ in range(30):
        selectors.patient_get(user=physician, patient_id=patient.pk)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/audit/", {"actor": "physician"})

    assert len(response.context["page"].object_list) == 31
    assert len(few) == len(many)


def test_clinic_admin_cannot_read_the_audit_log(make_user, boston, client_for):
    admin = make_user(Role.CLINIC_ADMIN, boston, username="clinicadmin")

    assert client_for(admin).get("/audit/").status_code == 403


def test_log_shows_and_filters_times_in_utc(compliance, physician, client_for):
    """Given an event at 12:00 UTC, the page shows 12:00 and a 11:30-12:30 UTC filter finds it."""
    from unittest import mock

    noon = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
    with mock.patch("django.utils.timezone.now", return_value=noon):
        audit_record(actor=physician, action=Action.LOGIN, target_type="session")

    response = client_for(compliance).get(
        "/audit/", {"start": "2026-05-01T11:30", "end": "2026-05-01T12:30", "actor": "physician"}
    )

    assert [e.occurred_at for e in response.context["page"].object_list] == [noon]
    assert "2026-05-01 12:00:00" in response.content.decode()


def test_failed_sign_ins_are_shown_only_to_the_sites_of_the_account_named(
    compliance, wh_therapist, client_for
):
    from ketaclinic.accounts.services import auth_login_failed_record

    auth_login_failed_record(username="wh-therapist", locked=False)
    auth_login_failed_record(username="compliance", locked=False)
    auth_login_failed_record(username="nobody-by-this-name", locked=False)

    page = client_for(compliance).get("/audit/", {"action": "login_failed"}).context["page"]

    assert sorted(e.actor_username for e in page.object_list) == [
        "compliance",
        "nobody-by-this-name",
    ]
