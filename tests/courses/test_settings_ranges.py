"""Site treatment settings accept only what the dose planner accepts (QA, issue 5): bag volume
10-1000 mL and vial concentration 0.1-100 mg/mL, the planner's own constants."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from ketaclinic.accounts.models import Site, User
from ketaclinic.audit.models import AuditEvent
from ketaclinic.core.errors import ApplicationError
from ketaclinic.courses import services
from ketaclinic.courses.models import SiteTreatmentSettings
from ketaclinic.protocols.dosing import plan_dose
from ketaclinic.protocols.seed import seed_library
from ketaclinic.protocols.selectors import active_version

BAG = (
    "Bag volume must be between 10 and 1000 mL, the range the dose planner accepts: check the "
    "entry and its unit."
)
CONCENTRATION = (
    "Concentration must be between 0.1 and 100 mg/mL, the range the dose planner accepts: "
    "check the entry and its unit."
)


def _update(actor: User, site: Site, *, bag: str, concentration: str) -> SiteTreatmentSettings:
    return services.treatment_settings_update(
        actor=actor,
        site=site,
        integration_window_hours=72,
        weight_max_age_days=30,
        bag_volume_ml=D(bag),
        concentration_mg_per_ml=D(concentration),
    )


def _state() -> tuple[list[tuple[D, D]], int]:
    return (
        list(SiteTreatmentSettings.objects.values_list("bag_volume_ml", "concentration_mg_per_ml")),
        AuditEvent.objects.filter(target_type="site_treatment_settings").count(),
    )


@pytest.mark.parametrize(
    ("bag", "concentration", "errors"),
    [
        ("5", "10", {"bag_volume_ml": [BAG]}),
        ("1000.1", "10", {"bag_volume_ml": [BAG]}),
        ("100", "500", {"concentration_mg_per_ml": [CONCENTRATION]}),
        ("100", "0.09", {"concentration_mg_per_ml": [CONCENTRATION]}),
        ("5", "500", {"bag_volume_ml": [BAG], "concentration_mg_per_ml": [CONCENTRATION]}),
    ],
)
def test_settings_outside_the_planner_ranges_are_refused_and_write_nothing(
    clinic_admin, boston, bag, concentration, errors
):
    _update(clinic_admin, boston, bag="250", concentration="10")
    before = _state()

    with pytest.raises(ApplicationError) as refused:
        _update(clinic_admin, boston, bag=bag, concentration=concentration)

    assert refused.value.field_errors == errors
    assert _state() == before == ([(D("250.0"), D("10.00"))], 1)


@pytest.mark.parametrize(("bag", "concentration"), [("10", "0.1"), ("1000", "100")])
def test_the_range_ends_are_saved_and_the_planner_accepts_them(
    clinic_admin, boston, bag, concentration
):
    """Whatever the settings accept, a KARE dose plan with them is computed (70 kg, 56.0 mg)."""
    seed_library()

    saved = _update(clinic_admin, boston, bag=bag, concentration=concentration)
    plan = plan_dose(
        version=active_version(code="kare-2022"),
        weight_kg=D("70"),
        concentration_mg_per_ml=saved.concentration_mg_per_ml,
        bag_volume_ml=saved.bag_volume_ml,
    )

    assert (saved.bag_volume_ml, saved.concentration_mg_per_ml) == (D(bag), D(concentration))
    assert (plan.total_mg, plan.bag_volume_ml) == (D("56.0"), D(bag))


def test_the_settings_page_refuses_5_ml_and_500_mg_per_ml_with_422_keeping_the_values(
    clinic_admin, boston, client_for
):
    prefix = f"site{boston.pk}-"
    response = client_for(clinic_admin).post(
        "/courses/settings/",
        {
            "site_id": str(boston.pk),
            f"{prefix}integration_window_hours": "72",
            f"{prefix}weight_max_age_days": "30",
            f"{prefix}bag_volume_ml": "5",
            f"{prefix}concentration_mg_per_ml": "500",
        },
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert BAG in html
    assert CONCENTRATION in html
    assert f'name="{prefix}bag_volume_ml" value="5"' in html
    assert SiteTreatmentSettings.objects.count() == 0


def test_the_settings_page_states_the_ranges_and_no_issue_number(clinic_admin, client_for):
    html = client_for(clinic_admin).get("/courses/settings/").content.decode()

    assert "(issue 5)" not in html
    assert "10-1000 mL, the range the dose planner accepts." in html
    assert "0.1-100 mg/mL, the range the dose planner accepts." in html
