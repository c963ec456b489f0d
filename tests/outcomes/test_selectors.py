"""cohort_analytics: exact subjects and covariates from the database, the same Kaplan-Meier and
Cox results as lifelines fitted directly, filters, groups, site scoping, permissions, small
cells, monthly abstinence, craving, and a query count that does not grow with patients."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from statistics import mean

import pandas as pd  # type: ignore[import-untyped]  # no type information shipped
import pytest
from lifelines import (  # type: ignore[import-untyped]  # no type information shipped
    CoxPHFitter,
    KaplanMeierFitter,
)
from pytest_django import DjangoAssertNumQueries

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import Action, AuditEvent, Outcome
from ketaclinic.core.errors import PermissionDeniedError
from ketaclinic.outcomes.queries import CohortFilters, GroupBy
from ketaclinic.outcomes.selectors import cohort_analytics
from ketaclinic.outcomes.survival import COVARIATES, craving_before_after
from ketaclinic.patients.models import Sex, Target
from ketaclinic.recovery.models import Source
from tests.outcomes.factories import build_cohort, build_subject, daily


def test_each_subject_has_its_exact_duration_event_and_covariates(
    physician: User, boston: Site
) -> None:
    """Given a woman born 1980-05-17 who relapsed 100 days after starting on 2024-03-01, with
    signed infusions of 0.5 and 0.7 mg/kg (one integrated on time, one late) and a MEQ-30 of 4
    on every item, and a man censored (dropped out) after 50 days with no course or MEQ-30,
    when the physician opens the analytics,
    then the durations, events and covariates are exactly those."""
    build_subject(
        site=boston,
        by=physician,
        duration_days=100,
        relapsed=True,
        doses_mg_per_kg=[Decimal("0.5"), Decimal("0.7")],
        on_time=[True, False],
        meq_answer=4,
    )
    build_subject(
        site=boston,
        by=physician,
        duration_days=50,
        dropped_out=True,
        protocol=None,
        sex=Sex.MALE,
        born=dt.date(1990, 3, 2),
    )

    result = cohort_analytics(user=physician, filters=CohortFilters())

    first, second = result.subjects
    assert (first.duration_days, first.relapsed, first.dropped_out) == (100.0, True, False)
    assert first.covariates == pytest.approx(
        {
            "infusions": 2.0,
            "age": 43.0,
            "complete_mystical": 1.0,
            "meq30_total": 80.0,
            "dose_mg_per_kg": 0.6,
            "integration_adherence": 50.0,
            "sex_female": 1.0,
        }
    )
    assert (second.duration_days, second.relapsed, second.dropped_out) == (50.0, False, True)
    assert second.covariates == {"infusions": 0.0, "age": 33.0, "sex_female": 0.0}
    assert (result.n_subjects, result.n_events) == (2, 1)
    sensitivity = cohort_analytics(user=physician, filters=CohortFilters(dropout_as_relapse=True))
    assert sensitivity.n_events == 2
    assert sensitivity.groups[0].curve.n_events == 2


def _lifelines_km(durations: list[int], events: list[bool]) -> KaplanMeierFitter:
    return KaplanMeierFitter(alpha=0.05).fit(durations, event_observed=events, label="km")


@pytest.mark.parametrize("dropout_as_relapse", [False, True])
def test_kaplan_meier_equals_lifelines_on_the_same_rows(
    physician: User, boston: Site, dropout_as_relapse: bool
) -> None:
    """Given 40 hand-built subjects,
    when the analytics run (with and without counting dropout as relapse),
    then every step, band and the 3/6/12-month relapse equal lifelines' KaplanMeierFitter
    fitted directly on the planned durations and events."""
    planned = build_cohort(site=boston, by=physician)
    events = [p.relapsed or (dropout_as_relapse and p.dropped_out) for p in planned]
    expected = _lifelines_km([p.duration_days for p in planned], events)

    result = cohort_analytics(
        user=physician, filters=CohortFilters(dropout_as_relapse=dropout_as_relapse)
    )

    (group,) = result.groups
    curve = group.curve
    assert [p.time_days for p in curve.points] == list(expected.survival_function_.index)
    assert [p.survival for p in curve.points] == pytest.approx(
        list(expected.survival_function_["km"]), abs=1e-12
    )
    bands = expected.confidence_interval_survival_function_
    assert [p.ci_lower for p in curve.points] == pytest.approx(
        list(bands["km_lower_0.95"]), abs=1e-12
    )
    assert [p.ci_upper for p in curve.points] == pytest.approx(
        list(bands["km_upper_0.95"]), abs=1e-12
    )
    assert (curve.n_subjects, curve.n_events) == (40, sum(events))
    for at in group.relapse_at:
        survival = float(expected.survival_function_at_times(at.days).iloc[0])
        assert at.proportion == pytest.approx(1 - survival, abs=1e-12)


def test_cox_model_equals_lifelines_on_the_same_covariates(physician: User, boston: Site) -> None:
    """Given 40 hand-built subjects with known MEQ-30, doses, infusions, integrations, ages
    and sexes,
    when the analytics run,
    then each Cox coefficient and interval equals lifelines' CoxPHFitter fitted directly on
    the planned values, with the observational caution."""
    planned = build_cohort(site=boston, by=physician)
    frame = pd.DataFrame(
        {
            "meq30_total": [p.meq_answer * 20.0 for p in planned],
            "complete_mystical": [1.0 if p.meq_answer >= 3 else 0.0 for p in planned],
            "dose_mg_per_kg": [float(mean(p.doses)) for p in planned],
            "infusions": [float(len(p.doses)) for p in planned],
            "integration_adherence": [100.0 * sum(p.on_time) / len(p.on_time) for p in planned],
            "age": [float(p.age) for p in planned],
            "sex_female": [1.0 if p.female else 0.0 for p in planned],
            "duration": [p.duration_days for p in planned],
            "event": [p.relapsed for p in planned],
        }
    )
    expected = CoxPHFitter(alpha=0.05).fit(frame, duration_col="duration", event_col="event")

    result = cohort_analytics(user=physician, filters=CohortFilters())

    assert result.cox is not None, result.cox_message
    assert [row.spec.name for row in result.cox.rows] == list(COVARIATES)
    for row in result.cox.rows:
        summary = expected.summary.loc[row.spec.name]
        assert row.coef == pytest.approx(summary["coef"], rel=1e-6, abs=1e-9)
        assert row.coef_lower == pytest.approx(summary["coef lower 95%"], rel=1e-6, abs=1e-9)
        assert row.coef_upper == pytest.approx(summary["coef upper 95%"], rel=1e-6, abs=1e-9)
    assert (result.cox.n_subjects, result.cox.n_events, result.cox.n_excluded) == (
        40,
        sum(p.relapsed for p in planned),
        0,
    )
    assert "observational" in result.cox.caution


def test_too_few_patients_for_cox_gives_the_reason_instead(physician: User, boston: Site) -> None:
    """Given three subjects,
    when the analytics run,
    then there is no Cox model and the message names the problem and the fix."""
    for days in (30, 60, 90):
        build_subject(site=boston, by=physician, duration_days=days, relapsed=True, meq_answer=3,
                      doses_mg_per_kg=[Decimal("0.5")], on_time=[True])  # fmt: skip

    result = cohort_analytics(user=physician, filters=CohortFilters())

    assert result.cox is None
    assert result.cox_message == (
        "Only 3 patients have every covariate; the Cox model needs at least 10: widen the "
        "filters or choose fewer covariates."
    )


def test_groups_by_protocol_and_by_complete_mystical_experience(
    physician: User, boston: Site
) -> None:
    """Given two KARE subjects (MEQ-30 items 4 and 2), one Dakwar subject (items 3) and one
    with no course and no MEQ-30,
    when grouped by protocol and then by complete mystical experience,
    then the groups and their sizes follow the course and the MEQ-30 flag."""
    build_subject(site=boston, by=physician, duration_days=10, meq_answer=4)
    build_subject(site=boston, by=physician, duration_days=20, meq_answer=2)
    build_subject(
        site=boston, by=physician, duration_days=30, meq_answer=3, protocol="dakwar-alc-2020"
    )
    build_subject(site=boston, by=physician, duration_days=40, protocol=None)

    by_protocol = cohort_analytics(user=physician, filters=CohortFilters(group_by="protocol"))
    by_mystical = cohort_analytics(user=physician, filters=CohortFilters(group_by="mystical"))

    assert [(g.label, g.curve.n_subjects) for g in by_protocol.groups] == [
        ("No treatment course", 1),
        ("dakwar-alc-2020", 1),
        ("kare-2022", 2),
    ]
    assert [(g.label, g.curve.n_subjects) for g in by_mystical.groups] == [
        ("Complete mystical experience", 2),
        ("No MEQ-30 recorded", 1),
        ("Not a complete mystical experience", 1),
    ]


def test_filters_by_protocol_target_and_enrolment_period(physician: User, boston: Site) -> None:
    """Given subjects in KARE (alcohol, enrolled 2024-02-16), Dakwar (alcohol, enrolled
    2024-01-10) and KARE (gambling, enrolled 2024-02-16),
    when filtered by protocol, by target and by enrolment period,
    then only the matching subjects remain."""
    build_subject(site=boston, by=physician, duration_days=10)
    build_subject(site=boston, by=physician, duration_days=20, protocol="dakwar-alc-2020",
                  enrolled=dt.date(2024, 1, 10))  # fmt: skip
    build_subject(site=boston, by=physician, duration_days=30, target=Target.GAMBLING)

    def durations(filters: CohortFilters) -> list[float]:
        result = cohort_analytics(user=physician, filters=filters)
        return [s.duration_days for s in result.subjects]

    assert durations(CohortFilters(protocol_code="kare-2022")) == [10.0, 30.0]
    assert durations(CohortFilters(target=Target.GAMBLING)) == [30.0]
    january = CohortFilters(enrolled_from=dt.date(2024, 1, 1), enrolled_to=dt.date(2024, 1, 31))
    assert durations(january) == [20.0]
    assert durations(CohortFilters(enrolled_from=dt.date(2024, 2, 16))) == [10.0, 30.0]
    assert durations(CohortFilters(enrolled_to=dt.date(2024, 2, 15))) == [20.0]


def test_a_user_sees_only_subjects_at_their_own_sites(
    physician: User, wh_physician: User, boston: Site, west_hartford: Site
) -> None:
    """Given one Boston and one West Hartford subject,
    when the West Hartford physician opens the analytics (even asking for Boston),
    then only the West Hartford subject is counted."""
    build_subject(site=boston, by=physician, duration_days=10)
    build_subject(site=west_hartford, by=wh_physician, duration_days=77)

    own = cohort_analytics(user=wh_physician, filters=CohortFilters())
    asked_boston = cohort_analytics(
        user=wh_physician, filters=CohortFilters(site_ids=frozenset({boston.pk}))
    )

    assert [s.duration_days for s in own.subjects] == [77.0]
    assert asked_boston.n_subjects == 0


def test_inactive_patients_and_targets_without_follow_up_are_left_out(
    physician: User, boston: Site
) -> None:
    """Given a subject of an inactive patient and one whose outcome has no start day,
    when the analytics run,
    then neither is counted."""
    build_subject(site=boston, by=physician, duration_days=10, is_active=False)
    no_start = build_subject(site=boston, by=physician, duration_days=20)
    no_start.outcome.start_day = None
    no_start.outcome.save()
    build_subject(site=boston, by=physician, duration_days=30)

    result = cohort_analytics(user=physician, filters=CohortFilters())

    assert [s.duration_days for s in result.subjects] == [30.0]


@pytest.mark.parametrize("role", [Role.PHYSICIAN, Role.COMPLIANCE, Role.RESEARCHER])
def test_physician_compliance_and_researcher_may_open_the_analytics(
    make_user: Callable[..., User], boston: Site, physician: User, role: Role
) -> None:
    """Given a subject at Boston,
    when a physician, compliance officer or researcher at Boston opens the analytics,
    then it answers and one read row without a patient records the filters."""
    build_subject(site=boston, by=physician, duration_days=10)
    user = make_user(role, boston)

    result = cohort_analytics(user=user, filters=CohortFilters(target=Target.ALCOHOL))

    assert result.n_subjects == 1
    event = AuditEvent.objects.get(actor=user, target_type="cohort_analytics")
    assert (event.action, event.patient_id, event.outcome) == (Action.READ, None, Outcome.SUCCESS)
    assert event.detail == (
        "n=1 sites=all protocol=any target=alcohol enrolled=.. group=none dropout_as_relapse=no"
    )


@pytest.mark.parametrize("role", [Role.NURSE, Role.THERAPIST, Role.FRONT_DESK, Role.CLINIC_ADMIN])
def test_other_roles_are_refused_and_the_refusal_is_audited(
    make_user: Callable[..., User], boston: Site, physician: User, role: Role
) -> None:
    """Given a subject at Boston,
    when a nurse, therapist, front desk or clinic admin asks for the analytics,
    then it is refused with a denial row and no read row."""
    build_subject(site=boston, by=physician, duration_days=10)
    user = make_user(role, boston)

    with pytest.raises(PermissionDeniedError, match="does not allow cohort outcomes"):
        cohort_analytics(user=user, filters=CohortFilters())

    rows = AuditEvent.objects.filter(actor=user)
    assert [(e.action, e.outcome, e.target_type) for e in rows] == [
        (Action.ACCESS_DENIED, Outcome.DENIED, "cohort_analytics")
    ]


def test_the_researcher_sees_no_group_smaller_than_eleven(
    physician: User, researcher: User, boston: Site
) -> None:
    """Given 12 KARE subjects, 3 Dakwar alcohol and 9 Dakwar cocaine subjects,
    when grouped by protocol,
    then the researcher sees KARE only, with both Dakwar groups named as suppressed (12
    hidden together); the physician sees all three groups."""
    for i in range(12):
        build_subject(site=boston, by=physician, duration_days=10 + i, relapsed=i % 2 == 0)
    for i in range(3):
        build_subject(site=boston, by=physician, duration_days=50 + i, protocol="dakwar-alc-2020")
    for i in range(9):
        build_subject(site=boston, by=physician, duration_days=70 + i, protocol="dakwar-coc-2019")
    filters = CohortFilters(group_by=GroupBy.PROTOCOL)

    for_researcher = cohort_analytics(user=researcher, filters=filters)
    for_physician = cohort_analytics(user=physician, filters=filters)

    assert [g.label for g in for_researcher.groups] == ["kare-2022"]
    assert for_researcher.suppressed == ("dakwar-alc-2020", "dakwar-coc-2019")
    assert [s.label for s in for_researcher.pda_series] == ["kare-2022"]
    assert [c.label for c in for_researcher.craving] == ["kare-2022"]
    assert [g.label for g in for_physician.groups] == [
        "dakwar-alc-2020",
        "dakwar-coc-2019",
        "kare-2022",
    ]
    assert for_physician.suppressed == ()


def test_a_small_group_is_not_revealed_by_subtracting_the_others_from_the_total(
    physician: User, researcher: User, boston: Site
) -> None:
    """Given 12 KARE, 15 Dakwar cocaine and 1 Dakwar alcohol subject,
    when the researcher groups by protocol,
    then KARE (the next smallest) is suppressed with the single Dakwar alcohol subject, so
    the total (28) minus the group shown (15) is 13 hidden patients, not one."""
    for i in range(12):
        build_subject(site=boston, by=physician, duration_days=10 + i)
    for i in range(15):
        build_subject(site=boston, by=physician, duration_days=40 + i, protocol="dakwar-coc-2019")
    build_subject(site=boston, by=physician, duration_days=90, protocol="dakwar-alc-2020")

    result = cohort_analytics(user=researcher, filters=CohortFilters(group_by=GroupBy.PROTOCOL))

    assert result.n_subjects == 28
    assert [(g.label, g.curve.n_subjects) for g in result.groups] == [("dakwar-coc-2019", 15)]
    assert result.suppressed == ("dakwar-alc-2020", "kare-2022")


def test_percent_days_abstinent_by_month_counts_the_daily_self_reports(
    physician: User, boston: Site
) -> None:
    """Given self-reports on days -3..-1 (one used) and 0..44 (used on days 0, 10, 20, 30,
    40), staff interviews on day 5 and day 50 (used) and a positive urine test on day 60,
    when the analytics run,
    then only the self-reports count: before = 2/3 abstinent, month 1 = 27/30 and
    month 2 = 13/15."""
    built = build_subject(site=boston, by=physician, duration_days=200)
    for day in range(-3, 45):
        daily(built, physician, day, used=day in (-2, 0, 10, 20, 30, 40))
    daily(built, physician, 5, used=True, source=Source.INTERVIEW)
    daily(built, physician, 50, used=True, source=Source.INTERVIEW)
    daily(built, physician, 60, used=True, source=Source.URINE)

    result = cohort_analytics(user=physician, filters=CohortFilters())

    assert result.pda_months == ("Before (days -30 to -1)", "Month 1", "Month 2")
    (series,) = result.pda_series
    assert series.label == "All patients"
    assert series.percents == pytest.approx((200 / 3, 90.0, 1300 / 15))


def test_craving_before_and_after_pairs_each_subjects_means(physician: User, boston: Site) -> None:
    """Given two subjects with self-reported craving on days -8..30 (day -8, day 0 and days
    after 28 outside both windows) and a third with craving only after,
    when the analytics run,
    then craving compares the two subjects' 7-day-before and days-1-to-28 means, as
    craving_before_after does on the same pairs."""
    pairs = []
    for base in (8, 6):
        built = build_subject(site=boston, by=physician, duration_days=100)
        for day in range(-8, 31):
            daily(built, physician, day, craving=base if day < 0 else base - 3 + day % 2)
        before = float(base)
        after = mean(base - 3 + day % 2 for day in range(1, 29))
        pairs.append((before, after))
    only_after = build_subject(site=boston, by=physician, duration_days=100)
    daily(only_after, physician, 3, craving=1)

    result = cohort_analytics(user=physician, filters=CohortFilters())

    (row,) = result.craving
    assert row.summary == craving_before_after(pairs)
    assert (row.summary.n, row.summary.mean_before, row.summary.mean_after) == (2, 7.0, 4.5)


def test_query_count_does_not_grow_with_patients(
    physician: User, boston: Site, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    """Given one subject, then 50,
    when the analytics run grouped by protocol,
    then the number of queries is the same."""
    filters = CohortFilters(group_by=GroupBy.PROTOCOL)
    build_subject(site=boston, by=physician, duration_days=10, meq_answer=3)
    user = User.objects.get(pk=physician.pk)  # fresh: no cached sites or roles
    # The user's sites and roles; outcomes, first courses, MEQ-30 and infusions per patient;
    # monthly abstinence, craving; the audit row.
    with django_assert_num_queries(9):
        cohort_analytics(user=user, filters=filters)

    for i in range(49):
        build_subject(site=boston, by=physician, duration_days=20 + i, meq_answer=i % 6,
                      protocol=("kare-2022", "dakwar-alc-2020")[i % 2])  # fmt: skip
    user = User.objects.get(pk=physician.pk)
    with django_assert_num_queries(9):
        result = cohort_analytics(user=user, filters=filters)
    assert result.n_subjects == 50


def test_the_abstinence_chart_runs_from_30_days_before_to_24_months_after(
    physician: User, boston: Site
) -> None:
    """Given self-reports on days -61, -31, -30, 0, 719 and 720 (all used but day 0),
    when the analytics run,
    then days -61, -31 and 720 are outside the chart; day -30 is "before", day 0 month 1
    and day 719 month 24."""
    built = build_subject(site=boston, by=physician, duration_days=800)
    for day in (-61, -31, -30, 0, 719, 720):
        daily(built, physician, day, used=day != 0)

    result = cohort_analytics(user=physician, filters=CohortFilters())

    assert result.pda_months == ("Before (days -30 to -1)", "Month 1", "Month 24")
    assert result.pda_series[0].percents == (0.0, 100.0, 0.0)
