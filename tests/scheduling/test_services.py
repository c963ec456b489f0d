"""Booking, conflicts and status changes (scheduling.services)."""

from __future__ import annotations

import datetime as dt

import pytest

from ketaclinic.audit.models import AuditEvent
from ketaclinic.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from ketaclinic.infusions.models import Infusion, InfusionStatus
from ketaclinic.scheduling.models import Appointment, AppointmentStatus, Hold
from ketaclinic.scheduling.services import (
    BookingConflictError,
    appointment_arrive,
    appointment_book,
    appointment_cancel,
    appointment_complete,
    appointment_no_show,
)
from tests.factories import PatientFactory
from tests.scheduling.factories import TimeOffFactory, at, chair, day_ahead


def _on(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _counts() -> tuple[int, int, int]:
    return Appointment.objects.count(), Hold.objects.count(), Infusion.objects.count()


def _evaluation(actor, patient, room, clinician, day, hour=9, minute=0):
    return appointment_book(
        actor=actor,
        patient=patient,
        kind="evaluation",
        starts_at=at(day, hour, minute),
        resource=room,
        clinician=clinician,
    )


def _infusion(actor, patient, seat, nurse, day, hour=9, **kwargs):
    return appointment_book(
        actor=actor,
        patient=patient,
        kind="infusion",
        starts_at=at(day, hour),
        resource=seat,
        nurse=nurse,
        **kwargs,
    )


def test_an_evaluation_holds_the_room_and_the_physician_and_is_audited(
    frontdesk, patient, room1, doctor
):
    """Given a room and a physician free on a weekday,
    when the front desk books a 60-minute evaluation at 9:00,
    then the appointment runs 9:00-10:00 and holds the room and the physician, audited."""
    day = day_ahead()
    booked = _evaluation(frontdesk, patient, room1, doctor, day)
    assert (booked.kind, booked.status, booked.ends_at) == ("evaluation", "booked", at(day, 10))
    holds = {(h.role, h.resource_id, h.staff_id, h.active) for h in booked.holds.all()}
    assert holds == {("room", room1.pk, None, True), ("clinician", None, doctor.pk, True)}
    event = AuditEvent.objects.get(target_type="appointment", action="create")
    assert (event.patient_id, event.target_id, event.actor_id) == (
        patient.pk,
        str(booked.pk),
        frontdesk.pk,
    )


def test_an_infusion_books_the_course_session_in_the_chair(
    frontdesk, patient, course, chair2, nurse, doctor
):
    """Given an active course with no infusion booked,
    when the front desk books an infusion in Chair 2 at 9:00,
    then session 1 is scheduled in Chair 2 at 9:00, linked to a 120-minute appointment that
    holds the chair, the nurse and the supervising physician."""
    day = day_ahead()
    booked = _infusion(frontdesk, patient, chair2, nurse, day)
    infusion = Infusion.objects.get()
    assert (infusion.session_number, infusion.chair, infusion.scheduled_at, infusion.status) == (
        1,
        "Chair 2",
        at(day, 9),
        "scheduled",
    )
    assert (booked.infusion_id, booked.course_id, booked.clinician_id, booked.nurse_id) == (
        infusion.pk,
        course.pk,
        doctor.pk,
        nurse.pk,
    )
    assert booked.ends_at == at(day, 11)
    assert sorted(booked.holds.values_list("role", flat=True)) == ["chair", "nurse", "physician"]


def test_a_double_booked_chair_is_refused_naming_the_booking_and_writes_nothing(
    frontdesk, patient, other_patient, course, other_course, chair2, nurse, doctor, make_user
):
    """Given Ann's infusion in Chair 2 at 9:00-11:00,
    when Ben's infusion is booked in Chair 2 at 10:00 (with another nurse),
    then it is refused naming Ann's booking, and nothing is written."""
    from ketaclinic.accounts.roles import Role
    from tests.scheduling.factories import works_all_week

    day = day_ahead()
    _infusion(frontdesk, patient, chair2, nurse, day)
    second_nurse = works_all_week(make_user(Role.NURSE, patient.site), patient.site)
    before = _counts()
    with pytest.raises(BookingConflictError) as refused:
        _infusion(frontdesk, other_patient, chair2, second_nurse, day, hour=10)
    assert refused.value.message == (
        f"Chair 2 is already booked 9:00-11:00 on {_on(day)} (infusion for Ann Alderwood, "
        "MRN BOS-00012): choose another chair or time."
    )
    assert refused.value.status_code == 409
    assert _counts() == before


def test_a_double_booked_clinician_is_refused_naming_the_booking(
    frontdesk, patient, other_patient, room1, room2, doctor
):
    """Given Dr Example's evaluation 9:00-10:00 in Room 1,
    when another patient's evaluation with her is booked at 9:30 in Room 2,
    then it is refused naming the first booking, and nothing is written."""
    day = day_ahead()
    _evaluation(frontdesk, patient, room1, doctor, day)
    before = _counts()
    with pytest.raises(BookingConflictError) as refused:
        _evaluation(frontdesk, other_patient, room2, doctor, day, minute=30)
    assert refused.value.message == (
        f"Casey Example is already booked 9:00-10:00 on {_on(day)} (evaluation for Ann "
        "Alderwood, MRN BOS-00012): choose another clinician or time."
    )
    assert _counts() == before


def test_a_clinic_admin_sees_no_patient_in_a_conflict(patient, other_patient, room1, doctor):
    """Given a booking, the message names the kind only for a user who may not see patients."""
    from ketaclinic.scheduling.services.conflicts import describe

    booked = _evaluation(doctor, patient, room1, doctor, day_ahead())
    from ketaclinic.accounts.roles import Role
    from tests.factories import UserFactory

    admin = UserFactory(roles=[Role.CLINIC_ADMIN], sites=[patient.site])
    assert describe(admin, booked) == "(evaluation)"


def test_the_same_patient_cannot_be_in_two_places(
    frontdesk, patient, room1, room2, doctor, therapist
):
    """Given Ann's evaluation 9:00-10:00, a follow-up for her at 9:30 is refused."""
    day = day_ahead()
    _evaluation(frontdesk, patient, room1, doctor, day)
    with pytest.raises(BookingConflictError) as refused:
        appointment_book(
            actor=frontdesk,
            patient=patient,
            kind="follow_up",
            starts_at=at(day, 9, 30),
            resource=room2,
            clinician=therapist,
        )
    assert refused.value.message == (
        f"The patient is already booked 9:00-10:00 on {_on(day)} (evaluation for Ann "
        "Alderwood, MRN BOS-00012): choose another time."
    )
    assert Appointment.objects.count() == 1


def test_outside_opening_hours_is_refused_and_writes_nothing(frontdesk, patient, room1, doctor):
    """Given Room 1 open 8:00-18:00, an evaluation at 17:30 (to 18:30) is refused."""
    day = day_ahead()
    with pytest.raises(ApplicationError) as refused:
        _evaluation(frontdesk, patient, room1, doctor, day, hour=17, minute=30)
    weekday = f"{day:%A}"
    assert refused.value.message == (
        f"Room 1 is open 8:00-18:00 on {weekday}s and 17:30-18:30 is outside: choose a time "
        "inside its hours."
    )
    assert _counts() == (0, 0, 0)


def test_a_clinician_outside_her_hours_is_refused(frontdesk, patient, room1, doctor, boston):
    """Given the physician works 8:00-18:00 but the room is open until 20:00, 18:30 is
    refused naming her hours."""
    from ketaclinic.scheduling.models import OpeningHours

    OpeningHours.objects.filter(resource=room1).update(closes_at=dt.time(20))
    day = day_ahead()
    with pytest.raises(ApplicationError) as refused:
        _evaluation(frontdesk, patient, room1, doctor, day, hour=18, minute=30)
    assert refused.value.message == (
        f"Casey Example works 8:00-18:00 on {day:%A}s, so is not available 18:30-19:30: "
        "choose another clinician or time."
    )
    assert _counts() == (0, 0, 0)


def test_time_off_is_refused_and_writes_nothing(frontdesk, patient, room1, doctor):
    """Given the physician away all day, an evaluation with her that day is refused."""
    day = day_ahead()
    TimeOffFactory(user=doctor, starts_at=at(day, 0), ends_at=at(day + dt.timedelta(days=1), 0))
    with pytest.raises(ApplicationError) as refused:
        _evaluation(frontdesk, patient, room1, doctor, day)
    assert refused.value.message == (
        f"Casey Example is away 0:00-0:00 on {_on(day)}: choose another clinician or time."
    )
    assert _counts() == (0, 0, 0)


def test_a_room_at_another_site_is_refused(frontdesk, patient, doctor, west_hartford):
    """A room of West Hartford cannot be booked for a Boston patient."""
    from ketaclinic.scheduling.models import ResourceKind

    far = chair(west_hartford, "Room 9", kind=ResourceKind.ROOM)
    with pytest.raises(ApplicationError) as refused:
        _evaluation(frontdesk, patient, far, doctor, day_ahead())
    assert refused.value.message == (
        "Room 9 is at West Hartford, CT, but the patient is seen at Boston, MA: choose a "
        "consulting room there."
    )
    assert _counts() == (0, 0, 0)


def test_an_infusion_needs_a_chair_not_a_room(frontdesk, patient, course, room1, nurse):
    with pytest.raises(ApplicationError) as refused:
        _infusion(frontdesk, patient, room1, nurse, day_ahead())
    assert refused.value.message == (
        "Room 1 is not an active infusion chair: choose an infusion chair for the infusion."
    )
    assert _counts() == (0, 0, 0)


def test_a_therapist_cannot_hold_an_evaluation(frontdesk, patient, room1, therapist):
    with pytest.raises(ApplicationError) as refused:
        _evaluation(frontdesk, patient, room1, therapist, day_ahead())
    assert refused.value.message == (
        "Tara Therapist cannot hold an evaluation at Boston, MA: choose a clinician from the list."
    )
    assert _counts() == (0, 0, 0)


def test_a_clinic_admin_may_not_book_403_and_nothing_written(clinic_admin, patient, room1, doctor):
    with pytest.raises(PermissionDeniedError):
        _evaluation(clinic_admin, patient, room1, doctor, day_ahead())
    assert _counts() == (0, 0, 0)
    assert AuditEvent.objects.filter(action="access_denied", patient=patient).count() == 1


def test_a_patient_of_another_site_is_404(frontdesk, room1, doctor, west_hartford):
    far_patient = PatientFactory(site=west_hartford)
    with pytest.raises(NotFoundError):
        _evaluation(frontdesk, far_patient, room1, doctor, day_ahead())
    assert _counts() == (0, 0, 0)


def test_a_past_time_is_refused(frontdesk, patient, room1, doctor):
    yesterday = day_ahead(-1)
    with pytest.raises(ApplicationError) as refused:
        _evaluation(frontdesk, patient, room1, doctor, yesterday)
    assert refused.value.message.endswith("is in the past: choose a time from now on.")
    assert _counts() == (0, 0, 0)


# --- Infusions: nurse capacity, supervision, course ---------------------------------------


def test_a_nurse_runs_two_chairs_but_not_three(
    frontdesk, boston, nurse, doctor, chair1, chair2, patient_factory
):
    """Given one nurse, two overlapping infusions are accepted and a third is refused."""
    from tests.treatment import TreatmentCourseFactory, protocol_version

    day = day_ahead()
    seats = [chair1, chair2, chair(boston, "Chair 3", order=3)]
    patients = [patient_factory(site=boston, mrn=f"BOS-0010{i}") for i in range(3)]
    for patient in patients:
        TreatmentCourseFactory(
            patient=patient, protocol_version=protocol_version(), supervising_physician=doctor
        )
    _infusion(frontdesk, patients[0], seats[0], nurse, day)
    _infusion(frontdesk, patients[1], seats[1], nurse, day, hour=10)
    with pytest.raises(BookingConflictError) as refused:
        _infusion(frontdesk, patients[2], seats[2], nurse, day, hour=10)
    assert refused.value.message.startswith("Nina Nurse is already booked with two infusions")
    assert Appointment.objects.count() == 2


def test_a_nurse_with_an_infusion_cannot_see_a_patient_in_a_room(
    frontdesk, patient, course, other_patient, chair1, room1, nurse
):
    day = day_ahead()
    _infusion(frontdesk, patient, chair1, nurse, day)
    with pytest.raises(BookingConflictError):
        appointment_book(
            actor=frontdesk,
            patient=other_patient,
            kind="follow_up",
            starts_at=at(day, 10),
            resource=room1,
            clinician=nurse,
        )
    assert Appointment.objects.count() == 1


def test_the_supervising_physician_may_see_patients_while_infusions_run(
    frontdesk, patient, course, other_patient, chair1, room1, nurse, doctor
):
    """Supervision is not exclusive: an evaluation with the physician during an infusion she
    supervises is accepted."""
    day = day_ahead()
    infusion = _infusion(frontdesk, patient, chair1, nurse, day)
    evaluation = _evaluation(frontdesk, other_patient, room1, doctor, day, hour=10)
    assert (infusion.clinician_id, evaluation.clinician_id) == (doctor.pk, doctor.pk)


def test_an_infusion_needs_a_physician_on_site(frontdesk, patient, course, chair1, nurse, doctor):
    """Given the only physician works mornings, a 13:00 infusion is refused."""
    from ketaclinic.scheduling.models import Availability

    Availability.objects.filter(user=doctor).update(ends_at=dt.time(12))
    day = day_ahead()
    with pytest.raises(ApplicationError) as refused:
        _infusion(frontdesk, patient, chair1, nurse, day, hour=13)
    assert refused.value.message == (
        f"No physician works at Boston, MA 13:00-15:00 on {_on(day)} to supervise the "
        "infusion: choose a time when one is on site."
    )
    assert _counts() == (0, 0, 0)


def test_an_infusion_without_an_open_course_is_refused(frontdesk, patient, chair1, nurse, doctor):
    with pytest.raises(ApplicationError) as refused:
        _infusion(frontdesk, patient, chair1, nurse, day_ahead())
    assert refused.value.message == (
        "The patient has no open treatment course: a physician must enrol them before "
        "infusions can be booked."
    )
    assert _counts() == (0, 0, 0)


def test_session_two_too_soon_after_session_one_is_refused(
    frontdesk, patient, course, chair1, nurse
):
    """Given KARE (weekly, a day either way) session 1 on day D,
    when session 2 is booked on D+3, then it is refused naming the first allowed day;
    on D+6 it is booked."""
    day = day_ahead()
    _infusion(frontdesk, patient, chair1, nurse, day)
    soon = day + dt.timedelta(days=3)
    with pytest.raises(ApplicationError) as refused:
        _infusion(frontdesk, patient, chair1, nurse, soon)
    earliest = day + dt.timedelta(days=6)
    assert refused.value.message == (
        f"Session 2 on {soon:%a %d %b} is too soon after the previous infusion "
        f"({day:%a %d %b}): kare-2022 v1 spaces sessions every 7 days, so book from "
        f"{earliest:%a %d %b}."
    )
    assert Infusion.objects.count() == 1
    second = _infusion(frontdesk, patient, chair1, nurse, earliest)
    assert second.infusion is not None
    assert second.infusion.session_number == 2


def test_the_integration_is_booked_within_its_window_with_the_course_therapist(
    frontdesk, patient, course, chair1, room1, nurse, therapist
):
    """Given an infusion 9:00-11:00, an integration the next day is booked with the course's
    therapist; one four days later is refused naming the window."""
    day = day_ahead()
    infusion = _infusion(frontdesk, patient, chair1, nurse, day).infusion
    next_day = day + dt.timedelta(days=1)
    booked = appointment_book(
        actor=frontdesk,
        patient=patient,
        kind="integration",
        starts_at=at(next_day, 10),
        resource=room1,
        integration_for=infusion,
    )
    assert (booked.clinician_id, booked.integration_for_id, booked.course_id) == (
        therapist.pk,
        infusion.pk,
        course.pk,
    )
    late = day + dt.timedelta(days=4)
    with pytest.raises(ApplicationError) as refused:
        appointment_book(
            actor=frontdesk,
            patient=patient,
            kind="integration",
            starts_at=at(late, 10),
            resource=room1,
            integration_for=infusion,
        )
    due = day + dt.timedelta(days=3)
    assert refused.value.message == (
        "The integration session for infusion 1 is due within 72 hours of its end: book it "
        f"between {day:%a} {day.day} {day:%b} 11:00 and {due:%a} {due.day} {due:%b} 11:00."
    )
    assert Appointment.objects.count() == 2


def test_a_second_integration_for_the_same_infusion_is_refused(
    frontdesk, patient, course, chair1, room1, nurse, therapist
):
    """Given an infusion whose integration is booked the next day at 10:00, a second
    integration for it at 14:00 is refused naming the first, and nothing is written."""
    day = day_ahead()
    infusion = _infusion(frontdesk, patient, chair1, nurse, day).infusion
    next_day = day + dt.timedelta(days=1)
    appointment_book(
        actor=frontdesk,
        patient=patient,
        kind="integration",
        starts_at=at(next_day, 10),
        resource=room1,
        integration_for=infusion,
    )
    with pytest.raises(ApplicationError) as refused:
        appointment_book(
            actor=frontdesk,
            patient=patient,
            kind="integration",
            starts_at=at(next_day, 14),
            resource=room1,
            integration_for=infusion,
        )
    assert refused.value.message == (
        "The integration session for infusion 1 is already booked for "
        f"{next_day:%a} {next_day.day} {next_day:%b} 10:00: open that appointment to move or "
        "cancel it instead of booking a second one."
    )
    assert Appointment.objects.count() == 2


# --- Cancel, no-show, arrive, complete ------------------------------------------------------


def test_cancelling_frees_the_chair_and_cancels_the_infusion(
    frontdesk, patient, course, other_patient, other_course, chair2, nurse
):
    """Given Ann's infusion in Chair 2, when it is cancelled with a reason, then its holds are
    released, its infusion is cancelled, and Ben can have the chair at the same time."""
    day = day_ahead()
    booked = _infusion(frontdesk, patient, chair2, nurse, day)
    appointment_cancel(actor=frontdesk, appointment=booked, reason="Patient has flu (synthetic)")
    booked.refresh_from_db()
    assert (booked.status, booked.status_reason, booked.status_changed_by_id) == (
        "cancelled",
        "Patient has flu (synthetic)",
        frontdesk.pk,
    )
    assert list(booked.holds.values_list("active", flat=True)) == [False, False, False]
    infusion = Infusion.objects.get(pk=booked.infusion_id)
    assert (infusion.status, infusion.cancelled_reason) == (
        InfusionStatus.CANCELLED,
        "Appointment cancelled: Patient has flu (synthetic)",
    )
    again = _infusion(frontdesk, other_patient, chair2, nurse, day)
    assert again.resource_id == chair2.pk


def test_cancelling_needs_a_reason_and_writes_nothing(frontdesk, patient, room1, doctor):
    booked = _evaluation(frontdesk, patient, room1, doctor, day_ahead())
    with pytest.raises(ApplicationError) as refused:
        appointment_cancel(actor=frontdesk, appointment=booked, reason="  ")
    assert refused.value.message == (
        "Give the reason for cancelling, for example 'patient asked to move it'."
    )
    booked.refresh_from_db()
    assert booked.status == "booked"
    assert Hold.objects.filter(active=True).count() == 2


def test_a_no_show_needs_a_reason_and_frees_the_slot(frontdesk, patient, room1, doctor):
    """Given an evaluation whose start has passed, a no-show without a reason is refused and
    writes nothing; with one it is recorded and the holds are freed."""
    booked = _evaluation(frontdesk, patient, room1, doctor, day_ahead())
    Appointment.objects.filter(pk=booked.pk).update(
        starts_at=booked.starts_at - dt.timedelta(days=4),
        ends_at=booked.ends_at - dt.timedelta(days=4),
    )
    booked.refresh_from_db()
    with pytest.raises(ApplicationError) as refused:
        appointment_no_show(actor=frontdesk, appointment=booked, reason="")
    assert refused.value.message == (
        "Give the reason for the no-show, for example 'no answer to two calls, message left'."
    )
    booked.refresh_from_db()
    assert booked.status == "booked"
    appointment_no_show(actor=frontdesk, appointment=booked, reason="No answer (synthetic)")
    booked.refresh_from_db()
    assert (booked.status, booked.status_reason) == ("no_show", "No answer (synthetic)")
    assert Hold.objects.filter(active=True).count() == 0


def test_a_no_show_before_the_start_is_refused(frontdesk, patient, room1, doctor):
    booked = _evaluation(frontdesk, patient, room1, doctor, day_ahead())
    with pytest.raises(ApplicationError):
        appointment_no_show(actor=frontdesk, appointment=booked, reason="Not here")
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.BOOKED


def test_arriving_or_completing_before_the_day_is_refused(frontdesk, patient, room1, doctor):
    """Given an evaluation on a later day, marking the patient arrived or the appointment
    completed is refused and changes nothing."""
    booked = _evaluation(frontdesk, patient, room1, doctor, day_ahead())
    with pytest.raises(ApplicationError) as early:
        appointment_arrive(actor=frontdesk, appointment=booked)
    assert early.value.message == (
        "The appointment is on a later day: mark the patient arrived on the day they come."
    )
    with pytest.raises(ApplicationError) as premature:
        appointment_complete(actor=frontdesk, appointment=booked)
    assert premature.value.message == (
        "The appointment has not started yet: complete it after it has taken place."
    )
    booked.refresh_from_db()
    assert (booked.status, booked.status_changed_at) == (AppointmentStatus.BOOKED, None)


def test_arrive_then_complete_keeps_the_holds(frontdesk, patient, room1, doctor):
    booked = _evaluation(frontdesk, patient, room1, doctor, day_ahead())
    # The appointment has taken place: its time moves into the past.
    Appointment.objects.filter(pk=booked.pk).update(
        starts_at=booked.starts_at - dt.timedelta(days=4),
        ends_at=booked.ends_at - dt.timedelta(days=4),
    )
    booked.refresh_from_db()
    appointment_arrive(actor=frontdesk, appointment=booked)
    done = appointment_complete(actor=frontdesk, appointment=booked)
    assert done.status == "completed"
    assert Hold.objects.filter(active=True).count() == 2
    with pytest.raises(ApplicationError) as refused:
        appointment_cancel(actor=frontdesk, appointment=booked, reason="late")
    assert (
        refused.value.message == "Cannot cancel it: the appointment is completed. Reload the page."
    )
