"""Free slots and the calendar's day grid and week columns (scheduling.selectors)."""

from __future__ import annotations

import datetime as dt

from ketaclinic.scheduling.selectors.calendar import day_grid, week_columns
from ketaclinic.scheduling.selectors.slots import available_slots
from ketaclinic.scheduling.services import appointment_book
from tests.scheduling.factories import at, day_ahead


def _times(offer, day):
    return [slot.time for d in offer.days if d.day == day for slot in d.slots]


def test_evaluation_slots_skip_the_taken_room_time(frontdesk, patient, room1, doctor, boston):
    """Given one room open 8:00-18:00 and an evaluation at 9:00-10:00 with the only physician,
    when slots are asked for that day, then 8:30 and 9:00 and 9:30 are not offered (each
    would overlap), and 8:00 and 10:00 to 17:00 are."""
    day = day_ahead()
    appointment_book(
        actor=frontdesk,
        patient=patient,
        kind="evaluation",
        starts_at=at(day, 9),
        resource=room1,
        clinician=doctor,
    )
    offer = available_slots(site=boston, kind="evaluation", day_from=day, days=1)
    expected = ["8:00"] + [f"{h}:{m:02d}" for h in range(10, 17) for m in (0, 30)] + ["17:00"]
    assert _times(offer, day) == expected
    first = offer.days[0].slots[0]
    assert ([r.name for r in first.resources], [c.pk for c in first.clinicians]) == (
        ["Room 1"],
        [doctor.pk],
    )


def test_infusion_slots_respect_the_protocol_spacing_and_show_the_gates(
    frontdesk, patient, course, chair1, nurse, doctor, boston
):
    """Given KARE session 1 booked on day D (weekly, a day either way),
    when infusion slots are asked for the 10 days from D,
    then session 2 is offered only from D+6, days after D+8 are marked late, and the gates
    not met yet (no signed preparation, no consent...) are listed as warnings."""
    day = day_ahead()
    appointment_book(
        actor=frontdesk,
        patient=patient,
        kind="infusion",
        starts_at=at(day, 9),
        resource=chair1,
        nurse=nurse,
    )
    offer = available_slots(site=boston, kind="infusion", day_from=day, days=10, course=course)
    assert offer.session_number == 2
    assert [d.day for d in offer.days] == [day + dt.timedelta(days=n) for n in range(6, 10)]
    late = {d.day: {s.late for s in d.slots} for d in offer.days}
    assert late == {
        day + dt.timedelta(days=6): {False},
        day + dt.timedelta(days=7): {False},
        day + dt.timedelta(days=8): {False},
        day + dt.timedelta(days=9): {True},
    }
    # 8:00 to 16:00 (a 120-minute infusion must end by 18:00), every 30 minutes.
    assert len(offer.days[0].slots) == 17
    assert [g.code for g in offer.warnings] == [
        "preparation_signed",
        "treatment_consent",
        "risk_benefit",
        "previous_infusion_closed",
    ]


def test_infusion_slots_need_a_free_nurse(
    frontdesk, patient, course, chair1, chair2, nurse, doctor, boston, patient_factory
):
    """Given the only nurse has two infusions 9:00-11:00, no infusion slot overlaps them."""
    from tests.treatment import TreatmentCourseFactory, protocol_version

    day = day_ahead()
    other = patient_factory(site=boston)
    TreatmentCourseFactory(
        patient=other, protocol_version=protocol_version(), supervising_physician=doctor
    )
    from tests.scheduling.factories import chair

    chair3 = chair(boston, "Chair 3", order=3)
    for who, seat in ((patient, chair1), (other, chair2)):
        appointment_book(
            actor=frontdesk,
            patient=who,
            kind="infusion",
            starts_at=at(day, 9),
            resource=seat,
            nurse=nurse,
        )
    offer = available_slots(site=boston, kind="infusion", day_from=day, days=1)
    times = _times(offer, day)
    assert times[:2] == ["11:00", "11:30"]
    assert offer.days[0].slots[0].resources == [chair1, chair2, chair3]


def test_day_grid_places_blocks_in_their_columns(frontdesk, patient, room1, room2, doctor, boston):
    """Given an evaluation 9:00-10:00 in Room 2, the day grid has the rooms as columns,
    quarter-hour rows from 8:00 to 18:00, the block in Room 2's 9:00 row spanning 4 rows."""
    day = day_ahead()
    appointment_book(
        actor=frontdesk,
        patient=patient,
        kind="evaluation",
        starts_at=at(day, 9),
        resource=room2,
        clinician=doctor,
    )
    grid = day_grid(user=frontdesk, site=boston, day=day)
    assert [r.name for r in grid.resources] == ["Room 1", "Room 2"]
    assert (grid.rows[0].time, grid.rows[-1].time, len(grid.rows)) == ("8:00", "17:45", 40)
    nine = grid.rows[4]
    assert nine.time == "9:00"
    block = nine.cells[1].block
    assert block is not None
    assert (block.rows, block.starts, block.ends, block.patient) == (4, "9:00", "10:00", patient)
    assert [row.cells[1].covered for row in grid.rows[5:9]] == [True, True, True, False]


def test_a_clinic_admin_sees_the_blocks_without_patients(
    frontdesk, clinic_admin, patient, room1, doctor, boston
):
    day = day_ahead()
    appointment_book(
        actor=frontdesk,
        patient=patient,
        kind="evaluation",
        starts_at=at(day, 9),
        resource=room1,
        clinician=doctor,
    )
    columns = week_columns(user=clinic_admin, site=boston, first=day, days=1)
    assert [(b.kind, b.patient) for b in columns[0].blocks] == [("Evaluation", None)]


def test_the_clinician_week_includes_supervised_and_nursed_infusions(
    frontdesk, patient, course, chair1, nurse, doctor, boston
):
    day = day_ahead()
    appointment_book(
        actor=frontdesk,
        patient=patient,
        kind="infusion",
        starts_at=at(day, 9),
        resource=chair1,
        nurse=nurse,
    )
    for person in (nurse, doctor):
        columns = week_columns(user=frontdesk, clinician=person, first=day, days=2)
        assert [len(c.blocks) for c in columns] == [1, 0]
