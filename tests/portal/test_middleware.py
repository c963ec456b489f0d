"""A signed-in patient only ever sees the portal; MFA is required of staff, not patients."""

from __future__ import annotations

import pytest

from ketaclinic.accounts.models import ApiToken


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/patients/",
        "/patients/1/",
        "/audit/",
        "/accounts/profile/",
        "/intake/",
        "/api/v1/patients",
    ],
)
def test_a_patient_is_sent_to_the_portal_from_any_staff_page(active_account, client_for, path):
    response = client_for(active_account.user).get(path)

    assert (response.status_code, response["Location"]) == (302, "/portal/")


@pytest.mark.parametrize("path", ["/portal/", "/healthz"])
def test_a_patient_reaches_the_portal_and_the_health_check(active_account, client_for, path):
    assert client_for(active_account.user).get(path).status_code == 200


def test_a_patient_cannot_create_an_api_token(active_account, client_for):
    response = client_for(active_account.user).post("/accounts/profile/", {"name": "mine"})

    assert (response.status_code, response["Location"]) == (302, "/portal/")
    assert not ApiToken.objects.exists()


def test_the_api_refuses_a_patient_token_should_one_exist(active_account, api_client_for):
    """Even a token made outside the pages gives a patient login nothing: it holds no role."""
    response = api_client_for(active_account.user).get("/api/v1/patients")

    assert response.status_code == 403


def test_staff_pages_are_untouched_for_staff(physician, client_for):
    assert client_for(physician).get("/patients/").status_code == 200


def test_home_view_sends_a_patient_to_the_portal_on_its_own(active_account, client_for, settings):
    """Without the portal middleware the start page still sends a patient to the portal."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if ".portal." not in m]

    response = client_for(active_account.user).get("/")

    assert (response.status_code, response["Location"]) == (302, "/portal/")


def test_mfa_is_optional_for_patients_but_still_required_of_staff(
    active_account, physician, client_for, settings
):
    settings.KETACLINIC_REQUIRE_MFA = True

    patient_home = client_for(active_account.user).get("/portal/")
    staff_page = client_for(physician).get("/patients/")

    assert patient_home.status_code == 200
    assert (staff_page.status_code, staff_page["Location"]) == (
        302,
        "/accounts/mfa/?next=%2Fpatients%2F",
    )
