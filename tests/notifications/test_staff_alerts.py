"""Overdue integration sessions: an alert to the therapist, or to the site's therapists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from ketaclinic.accounts.roles import Role
from ketaclinic.notifications import services
from ketaclinic.notifications.models import Notification
from ketaclinic.therapy.models import IntegrationSession
from tests.courses.factories import active_course, integration_for, library_version, signed_infusion
from tests.treatment import ready_patient

ALERT = "An integration session at Boston, MA is overdue; open Ketaclinic to see it."


@pytest.fixture
def therapist(make_user, boston):
    return make_user(Role.THERAPIST, boston, username="therapist")


@pytest.fixture
def nurse(make_user, boston):
    return make_user(Role.NURSE, boston, username="nurse")


def _overdue_integration(*, patient, physician, nurse, therapist=None) -> IntegrationSession:
    """A signed infusion whose integration session was due an hour ago and is unsigned."""
    ready = ready_patient(patient=patient, physician=physician)
    course = active_course(
        patient=ready, physician=physician, version=library_version(), therapist=therapist
    )
    session = integration_for(signed_infusion(course=course, nurse=nurse))
    IntegrationSession.objects.filter(pk=session.pk).update(
        due_at=timezone.now() - dt.timedelta(hours=1)
    )
    session.refresh_from_db()
    return session


def test_the_sessions_therapist_is_alerted_once(run, patient, physician, nurse, therapist):
    """Given an unsigned integration session an hour past due, when the alert run happens
    twice, then the session's therapist gets one email naming only the site."""
    session = _overdue_integration(
        patient=patient, physician=physician, nurse=nurse, therapist=therapist
    )

    first = run(services.integration_alerts_queue, now=timezone.now())
    second = run(services.integration_alerts_queue, now=timezone.now())

    assert (first, second) == (1, 0)
    assert [(m.subject, m.to, m.body) for m in mail.outbox] == [
        ("Overdue integration session", ["therapist@example.org"], ALERT)
    ]
    notification = Notification.objects.get()
    assert (notification.staff_user, notification.patient, notification.site) == (
        therapist,
        None,
        patient.site,
    )
    assert notification.key.startswith(f"integration:{session.pk}:")


def test_without_a_therapist_every_therapist_at_the_site_is_alerted(
    run, patient, physician, nurse, make_user, boston, west_hartford
):
    """Given no therapist on the session, then each therapist at the patient's site is
    alerted; physicians, nurses and another site's therapists are not."""
    _overdue_integration(patient=patient, physician=physician, nurse=nurse)
    make_user(Role.THERAPIST, boston, username="ther-a")
    make_user(Role.THERAPIST, boston, username="ther-b")
    make_user(Role.THERAPIST, west_hartford, username="ther-wh")

    claimed = run(services.integration_alerts_queue, now=timezone.now())

    assert claimed == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["ther-a@example.org", "ther-b@example.org"]


def test_a_signed_or_not_yet_due_session_raises_no_alert(run, patient, physician, nurse, therapist):
    session = _overdue_integration(
        patient=patient, physician=physician, nurse=nurse, therapist=therapist
    )
    IntegrationSession.objects.filter(pk=session.pk).update(
        due_at=timezone.now() + dt.timedelta(hours=2)
    )

    claimed = run(services.integration_alerts_queue, now=timezone.now())

    assert claimed == 0
    assert mail.outbox == []


def test_a_therapist_who_left_the_site_is_replaced_by_the_sites_therapists(
    run, patient, physician, nurse, therapist, make_user, boston, west_hartford
):
    _overdue_integration(patient=patient, physician=physician, nurse=nurse, therapist=therapist)
    therapist.sites.set([west_hartford])
    make_user(Role.THERAPIST, boston, username="ther-a")

    claimed = run(services.integration_alerts_queue, now=timezone.now())

    assert claimed == 1
    assert [m.to for m in mail.outbox] == [["ther-a@example.org"]]
