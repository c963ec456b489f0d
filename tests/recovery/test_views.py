"""Staff recovery pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from ketaclinic.accounts.models import Site, User
from ketaclinic.patients.models import AddictionTarget, Patient, RecoveryUnit, Target
from ketaclinic.recovery.models import DailyRecord, RecoveryEvent, RecoveryRule, RelapseNote, Source
from ketaclinic.recovery.services import recompute_target
from tests.patients.factories import AddictionTargetFactory

Record = Callable[..., DailyRecord]
ClientFor = Callable[[User], Client]


def test_chart_section_shows_streak_and_links(
    client_for: ClientFor,
    nurse: User,
    patient: Patient,
    alcohol: AddictionTarget,
    record: Record,
    today: dt.date,
) -> None:
    """Given 3 abstinent days to today, when the nurse opens the chart's recovery section,
    then the target shows 3 days in a row and links to the timeline and follow-back."""
    for n in range(3):
        record(alcohol, today - dt.timedelta(days=n))
    recompute_target(target=alcohol)
    response = client_for(nurse).get(reverse("recovery:chart_section", args=[patient.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<tr id="recovery-target-{alcohol.pk}">' in html
    assert "<td>3</td>" in html
    assert reverse("recovery:timeline", args=[patient.pk]) in html
    assert reverse("recovery:followback", args=[patient.pk]) in html


def test_chart_includes_recovery_section(
    client_for: ClientFor, nurse: User, patient: Patient
) -> None:
    """Given the patient chart, when opened, then it loads the recovery section by htmx."""
    html = client_for(nurse).get(patient.get_absolute_url()).content.decode()
    assert f'hx-get="{reverse("recovery:chart_section", args=[patient.pk])}"' in html


def test_chart_section_of_foreign_patient_is_404(
    client_for: ClientFor, wh_therapist: User, patient: Patient
) -> None:
    """Given a West Hartford therapist, when opening a Boston patient's section, then 404."""
    url = reverse("recovery:chart_section", args=[patient.pk])
    assert client_for(wh_therapist).get(url).status_code == 404


@pytest.mark.parametrize("targets", [1, 5])
def test_chart_section_query_count_is_constant(
    client_for: ClientFor,
    nurse: User,
    patient: Patient,
    record: Record,
    today: dt.date,
    targets: int,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    """Given 1 or 5 targets with records, when the section is opened, then the same queries."""
    kinds = [Target.ALCOHOL, Target.NICOTINE, Target.CANNABIS, Target.OPIOIDS, Target.GAMBLING]
    for kind in kinds[:targets]:
        target = AddictionTargetFactory(
            patient=patient,
            recorded_by=nurse,
            target=kind,
            kind="behavioural" if kind == Target.GAMBLING else "substance",
            unit=RecoveryUnit.STANDARD_DRINKS
            if kind == Target.ALCOHOL
            else RecoveryUnit.USE_EPISODES,
        )
        record(target, today)
    client = client_for(nurse)
    url = reverse("recovery:chart_section", args=[patient.pk])
    client.get(url)
    with django_assert_num_queries(11):
        assert client.get(url).status_code == 200


def test_timeline_page_draws_svg_and_outcomes(
    client_for: ClientFor,
    nurse: User,
    patient: Patient,
    alcohol: AddictionTarget,
    record: Record,
    today: dt.date,
) -> None:
    """Given a quit date 10 days ago and 6 drinks 3 days ago, when the timeline is opened,
    then it has the SVG with the used day, the relapse, and time to relapse 7 days."""
    alcohol.quit_date = today - dt.timedelta(days=10)
    alcohol.save()
    used_day = today - dt.timedelta(days=3)
    record(alcohol, used_day, used=True, quantity=6)
    record(alcohol, today)
    recompute_target(target=alcohol)
    response = client_for(nurse).get(reverse("recovery:timeline", args=[patient.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert f"<title>{used_day:%Y-%m-%d}: used, 6</title>" in html
    assert f"<title>Relapse on {used_day:%Y-%m-%d}</title>" in html
    assert f"7 days ({used_day:%Y-%m-%d})" in html
    assert "50.0 %" in html


def test_timeline_refuses_clinic_admin(
    client_for: ClientFor, admin: User, patient: Patient
) -> None:
    """Given a clinic admin (sees no patients), when opening the timeline, then 403."""
    assert client_for(admin).get(reverse("recovery:timeline", args=[patient.pk])).status_code == 403


def test_timeline_bad_date_is_400(client_for: ClientFor, nurse: User, patient: Patient) -> None:
    """Given start=not-a-date, when opened, then 400 naming the format."""
    url = reverse("recovery:timeline", args=[patient.pk]) + "?start=yesterday"
    response = client_for(nurse).get(url)
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.content.decode()


def test_timeline_inverted_range_keeps_the_page_and_the_typed_dates(
    client_for: ClientFor, nurse: User, patient: Patient
) -> None:
    """Given From after To, when opened, then 400 with the message beside the date fields,
    the dates as typed, and the timeline of the default range below."""
    url = reverse("recovery:timeline", args=[patient.pk]) + "?start=2026-11-20&end=2026-10-20"
    response = client_for(nurse).get(url)
    page = response.content.decode()
    assert response.status_code == 400
    assert (
        "Choose a range of up to two years, From before To. Showing the last 180 days instead."
        in page
    )
    assert 'value="2026-11-20" aria-invalid="true"' in page
    assert 'value="2026-10-20"' in page
    assert 'id="recovery-timeline"' in page


def _fb_url(
    patient: Patient,
    target: AddictionTarget,
    start: dt.date,
    end: dt.date,
    source: str = "interview",
) -> str:
    query = f"?target={target.pk}&source={source}&start={start}&end={end}"
    return reverse("recovery:followback", args=[patient.pk]) + query


def test_followback_shows_other_sources_and_conflicts(
    client_for: ClientFor,
    nurse: User,
    patient: Patient,
    alcohol: AddictionTarget,
    record: Record,
    today: dt.date,
) -> None:
    """Given a self-report of no use yesterday and a positive EtG the same day, when the
    interview grid is opened, then the row shows both sources and a conflict."""
    day = today - dt.timedelta(days=1)
    record(alcohol, day)
    record(alcohol, day, used=True, source=Source.ETG)
    html = client_for(nurse).get(_fb_url(patient, alcohol, day, today)).content.decode()
    row = html.split(f'id="fb-{day:%Y-%m-%d}"')[1].split("</tr>")[0]
    assert "Daily self-report: 0" in row
    assert "EtG test: positive" in row
    assert "Conflict" in row
    assert "1 day<" in row


def test_followback_saves_many_days_in_one_submit(
    client_for: ClientFor, nurse: User, patient: Patient, alcohol: AddictionTarget, today: dt.date
) -> None:
    """Given a 3-day grid, when the nurse enters 0, (blank) and 4, then two interview
    records are saved and the page redirects back to the same grid."""
    start = today - dt.timedelta(days=2)
    url = _fb_url(patient, alcohol, start, today)
    data = {f"day-{start}": "0", f"day-{start + dt.timedelta(days=1)}": "", f"day-{today}": "4"}
    response = client_for(nurse).post(url, data)
    assert response.status_code == 302
    assert response["Location"] == url
    assert sorted(
        DailyRecord.objects.values_list("day", "source", "quantity", "recall_lag_days")
    ) == [
        (start, "interview", Decimal(0), 2),
        (today, "interview", Decimal(4), 0),
    ]


def test_followback_refusal_keeps_values_and_writes_nothing(
    client_for: ClientFor, nurse: User, patient: Patient, alcohol: AddictionTarget, today: dt.date
) -> None:
    """Given a negative amount on one day, when submitted, then 400, the typed values are
    kept, and nothing is written."""
    start = today - dt.timedelta(days=1)
    url = _fb_url(patient, alcohol, start, today)
    response = client_for(nurse).post(url, {f"day-{start}": "3", f"day-{today}": "-1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="3"' in html
    assert "greater than or equal to 0" in html
    assert DailyRecord.objects.count() == 0


def test_followback_range_past_today_is_400(
    client_for: ClientFor, nurse: User, patient: Patient, alcohol: AddictionTarget, today: dt.date
) -> None:
    """Given an end date tomorrow, when the grid is asked for, then 400 naming the problem."""
    response = client_for(nurse).get(_fb_url(patient, alcohol, today, today + dt.timedelta(days=1)))
    assert response.status_code == 400
    assert "cannot go past today" in response.content.decode()


@pytest.mark.parametrize("days", [1, 30])
def test_followback_query_count_is_constant(
    client_for: ClientFor,
    nurse: User,
    patient: Patient,
    alcohol: AddictionTarget,
    record: Record,
    today: dt.date,
    days: int,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    """Given 1 or 30 recorded days, when the 30-day grid is opened, then the same queries."""
    for n in range(days):
        record(alcohol, today - dt.timedelta(days=n))
    client = client_for(nurse)
    url = _fb_url(patient, alcohol, today - dt.timedelta(days=29), today)
    client.get(url)
    with django_assert_num_queries(10):
        assert client.get(url).status_code == 200


def test_relapse_note_saved_and_never_edited(
    client_for: ClientFor,
    therapist_user: User,
    patient: Patient,
    alcohol: AddictionTarget,
    record: Record,
    today: dt.date,
) -> None:
    """Given a relapse event, when the therapist writes a note, then it is saved with its
    triggers and shown; the page offers no way to edit it."""
    alcohol.quit_date = today - dt.timedelta(days=5)
    alcohol.save()
    record(alcohol, today - dt.timedelta(days=1), used=True, quantity=7)
    recompute_target(target=alcohol)
    event = RecoveryEvent.objects.get(kind="relapse")
    client = client_for(therapist_user)
    url = reverse("recovery:event", args=[event.pk])
    response = client.post(
        url,
        {
            "context": "Payday, old friends (synthetic).",
            "triggers": ["money", "people"],
            "plan": "Call sponsor.",
        },
    )
    assert response.status_code == 302
    note = RelapseNote.objects.get()
    assert (note.context, note.triggers, note.plan) == (
        "Payday, old friends (synthetic).",
        ["money", "people"],
        "Call sponsor.",
    )
    html = client.get(url).content.decode()
    assert "Payday, old friends (synthetic)." in html
    assert "edit" not in html.lower().replace("never edited", "")


def test_relapse_note_needs_context(
    client_for: ClientFor,
    nurse: User,
    patient: Patient,
    alcohol: AddictionTarget,
    record: Record,
    today: dt.date,
) -> None:
    """Given an empty context, when posted, then 400 and no note."""
    alcohol.quit_date = today - dt.timedelta(days=5)
    alcohol.save()
    record(alcohol, today, used=True, quantity=7)
    recompute_target(target=alcohol)
    event = RecoveryEvent.objects.get(kind="relapse")
    response = client_for(nurse).post(reverse("recovery:event", args=[event.pk]), {"context": ""})
    assert response.status_code == 400
    assert RelapseNote.objects.count() == 0


def test_rules_page_lists_examples_and_saves_next_version(
    client_for: ClientFor, admin: User, boston: Site
) -> None:
    """Given a clinic admin, when the rules page is opened, then the example alcohol rule is
    shown; when a new cannabis rule is posted, then version 2 is in force."""
    client = client_for(admin)
    html = client.get(reverse("recovery:rules")).content.decode()
    assert "relapse = 1 heavy day(s) within 1 day(s); heavy = &gt;= 5 standard drinks (men)" in html
    assert "Example" in html
    response = client.post(
        reverse("recovery:rules") + f"?site={boston.pk}&target=cannabis",
        {"relapse_kind": "any_use", "grace_days": "3", "source_note": "Clinic decision 2026."},
    )
    assert response.status_code == 302
    rule = RecoveryRule.objects.get(site=boston, target="cannabis", is_active=True)
    assert (rule.version, rule.relapse_kind, rule.grace_days, rule.created_by) == (
        2,
        "any_use",
        3,
        admin,
    )


def test_rules_page_refuses_nurse(client_for: ClientFor, nurse: User) -> None:
    """Given a nurse, when the rules page is opened, then 403."""
    assert client_for(nurse).get(reverse("recovery:rules")).status_code == 403


def test_rules_recompute_button(
    client_for: ClientFor, admin: User, boston: Site, alcohol: AddictionTarget
) -> None:
    """Given one target at the site, when the admin recomputes, then redirected with 1 done."""
    response = client_for(admin).post(
        reverse("recovery:rules_recompute", args=[boston.pk]), follow=True
    )
    assert "Recomputed 1 addiction target(s) at Boston, MA." in response.content.decode()
