from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ketaclinic.patients.models import Sex
from ketaclinic.questionnaires.scoring import load_definition
from ketaclinic.questionnaires.selectors import response_list
from ketaclinic.questionnaires.trajectory import (
    Point,
    Shade,
    band_shades,
    patient_trajectories,
    remission_reached,
    response_reached,
    trajectory_svg,
    y_max_for,
)
from tests.questionnaires.factories import submit

D = Decimal


def test_svg_places_points_bands_and_infusion_lines_at_exact_coordinates():
    """Given scores 20, 10, 0 a week apart on a 0-20 scale, then the plot area 40..600 x
    10..170 puts them at x 40/320/600 and y 10/90/170, bands shaded, infusion at day 7."""
    points = [
        Point(dt.date(2025, 1, 1), D(20)),
        Point(dt.date(2025, 1, 8), D(10)),
        Point(dt.date(2025, 1, 15), D(0), improved=True),
    ]

    svg = trajectory_svg(
        code="phq9",
        title="PHQ-9",
        points=points,
        y_max=D(20),
        shades=[Shade(D(0), D(10), "Low"), Shade(D(10), D(20), "High")],
        infusion_dates=[dt.date(2025, 1, 8)],
    )

    assert svg == (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 620 200" class="trajectory" '
        'role="img" aria-labelledby="trajectory-phq9-title trajectory-phq9-desc">'
        '<title id="trajectory-phq9-title">PHQ-9 over time</title>'
        '<desc id="trajectory-phq9-desc">PHQ-9: 3 score(s) from 2025-01-01 to 2025-01-15: '
        "20, 10, 0.</desc>"
        '<rect x="40" y="90.0" width="560" height="80.0" fill="#dcfae6"><title>Low</title></rect>'
        '<rect x="40" y="10.0" width="560" height="80.0" fill="#fecdca"><title>High</title></rect>'
        '<line x1="40" y1="170" x2="600" y2="170" stroke="#667085"/>'
        '<line x1="40" y1="10" x2="40" y2="170" stroke="#667085"/>'
        '<text x="34" y="174.0" text-anchor="end" font-size="11" fill="#667085">0</text>'
        '<text x="34" y="94.0" text-anchor="end" font-size="11" fill="#667085">10</text>'
        '<text x="34" y="14.0" text-anchor="end" font-size="11" fill="#667085">20</text>'
        '<text x="40.0" y="188" text-anchor="start" font-size="11" fill="#667085">2025-01-01</text>'
        '<text x="600.0" y="188" text-anchor="end" font-size="11" fill="#667085">2025-01-15</text>'
        '<line x1="320.0" y1="10" x2="320.0" y2="170" stroke="#6941c6" stroke-dasharray="4 3">'
        "<title>Infusion 2025-01-08</title></line>"
        '<polyline points="40.0,10.0 320.0,90.0 600.0,170.0" fill="none" stroke="#1d2939" '
        'stroke-width="2"/>'
        '<circle cx="40.0" cy="10.0" r="4" fill="#1d2939"><title>2025-01-01: 20</title></circle>'
        '<circle cx="320.0" cy="90.0" r="4" fill="#1d2939"><title>2025-01-08: 10</title></circle>'
        '<circle cx="600.0" cy="170.0" r="4" fill="#067647"><title>2025-01-15: 0</title></circle>'
        "</svg>"
    )
    assert "style=" not in svg


def test_a_single_score_sits_in_the_middle_without_a_line():
    svg = trajectory_svg(
        code="meq30", title="MEQ-30", points=[Point(dt.date(2025, 1, 1), D("3.47"))], y_max=D(5)
    )

    assert '<circle cx="320.0" cy="59.0" r="4" fill="#1d2939"><title>2025-01-01: 3.47' in svg
    assert "<polyline" not in svg


def test_text_is_escaped():
    svg = trajectory_svg(
        code="x", title="<b>&", points=[Point(dt.date(2025, 1, 1), D(1))], y_max=D(5)
    )

    assert "<b>" not in svg
    assert "&lt;b&gt;&amp; over time" in svg


def test_phq9_bands_shade_from_each_lower_bound_to_the_next():
    definition = load_definition("phq9")

    shades = band_shades(definition.bands, y_max_for(definition))

    assert [(int(s.low), int(s.high)) for s in shades] == [
        (0, 5),
        (5, 10),
        (10, 15),
        (15, 20),
        (20, 27),
    ]


@pytest.mark.parametrize(
    ("code", "expected"),
    [("phq9", 27), ("gad7", 21), ("meq30", 5), ("cssrs_screen", 6), ("audit", 40)],
)
def test_chart_top_is_the_highest_possible_total(code, expected):
    assert y_max_for(load_definition(code)) == expected


@pytest.mark.parametrize(
    ("baseline", "value", "expected"),
    [(D(20), D(10), True), (D(20), D(11), False), (D(15), D("7.5"), True), (D(0), D(0), False)],
)
def test_response_is_a_drop_of_at_least_half_from_baseline(baseline, value, expected):
    assert response_reached(baseline=baseline, value=value) is expected


@pytest.mark.parametrize(
    ("code", "value", "expected"),
    [("phq9", D(4), True), ("phq9", D(5), False), ("gad7", D(0), None)],
)
def test_remission_is_phq9_below_5_only(code, value, expected):
    assert remission_reached(code=code, value=value) is expected


def test_patient_trajectories_flag_response_and_remission_and_skip_superseded(nurse, patient):
    """Given PHQ-9 15 -> 9 -> 4 (a mistyped 27 corrected), then response and remission."""
    start = timezone.now() - dt.timedelta(days=30)
    submit(nurse, patient, "phq9", [3, 3, 3, 3, 3, 0, 0, 0, 0], completed_at=start)
    wrong = submit(nurse, patient, "phq9", [3] * 9, completed_at=start + dt.timedelta(days=7))
    submit(nurse, patient, "phq9", [1] * 9, supersedes=wrong.pk, correction_reason="typo")
    submit(
        nurse,
        patient,
        "phq9",
        [1, 1, 1, 1, 0, 0, 0, 0, 0],
        completed_at=start + dt.timedelta(days=14),
    )
    submit(nurse, patient, "gad7", [1] * 7, completed_at=start)

    trajectories = patient_trajectories(patient=patient, responses=response_list(patient=patient))

    phq9, gad7 = trajectories
    assert [p.value for p in phq9.points] == [15, 9, 4]
    assert [p.improved for p in phq9.points] == [False, False, True]
    assert (phq9.response, phq9.remission, phq9.first_response_on) == (
        True,
        True,
        phq9.points[2].on,
    )
    assert (gad7.code, gad7.response, gad7.remission) == ("gad7", False, None)
    assert phq9.svg.count("<circle") == 3


def test_auditc_trajectory_shades_the_cut_off_for_men(nurse, patient_factory, boston):
    man = patient_factory(site=boston, sex=Sex.MALE)
    submit(nurse, man, "auditc", [2, 1, 0])

    (auditc,) = patient_trajectories(patient=man, responses=response_list(patient=man))

    # Bands for men: negative 0-3, positive 4-12 -> boundary at y(4) on a 0-12 scale.
    assert '<text x="34" y="120.7" text-anchor="end" font-size="11" fill="#667085">4</text>' in (
        auditc.svg
    )
