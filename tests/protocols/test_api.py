from __future__ import annotations

import json
from decimal import Decimal as D
from typing import Any

import pytest
from django.test import Client

from ketaclinic.audit.models import AuditEvent
from ketaclinic.protocols import services
from ketaclinic.protocols.models import ProtocolVersion
from tests.protocols.factories import draft_from, infusion


def _post(client: Client, code: str, body: dict[str, Any]) -> Any:
    return client.post(
        f"/api/v1/protocols/{code}/dose-plan",
        data=json.dumps(body),
        content_type="application/json",
    )


_KARE_70 = {"weight_kg": 70, "concentration_mg_per_ml": 10, "bag_volume_ml": 100}


def test_dose_plan_returns_the_exact_numbers_and_stores_nothing(nurse, api_client_for):
    client = api_client_for(nurse)
    before = (ProtocolVersion.objects.count(), AuditEvent.objects.count())

    response = _post(client, "kare-2022", _KARE_70)

    assert response.status_code == 200
    assert response.json() == {
        "protocol_code": "kare-2022",
        "version_number": 1,
        "route": "iv",
        "session_number": 1,
        "weight_kg": 70.0,
        "concentration_mg_per_ml": 10.0,
        "bag_volume_ml": 100.0,
        "phases": [
            {
                "order": 1,
                "kind": "infusion",
                "mg_per_kg": 0.8,
                "minutes": 40,
                "dose_mg": 56.0,
                "volume_ml": 5.6,
                "rate_ml_per_h": 150.0,
            }
        ],
        "total_mg": 56.0,
        "total_mg_per_kg": 0.8,
        "total_volume_ml": 5.6,
        "total_minutes": 40,
        "max_mg_per_kg": 0.8,
        "max_total_mg": None,
        "warnings": [],
    }
    assert (ProtocolVersion.objects.count(), AuditEvent.objects.count()) == before


def test_dose_plan_accepts_numeric_strings_for_the_two_phase_protocol(physician, api_client_for):
    """Dakwar-alc, 70 kg: bolus 7.7 mg at 464.8 mL/h, infusion 42.0 mg at 101.4 mL/h."""
    response = _post(
        api_client_for(physician),
        "dakwar-alc-2020",
        {
            "weight_kg": "70.0",
            "concentration_mg_per_ml": "10",
            "bag_volume_ml": "100",
            "session_number": "1",
        },
    )

    body = response.json()
    assert response.status_code == 200
    assert [
        (p["kind"], p["dose_mg"], p["volume_ml"], p["rate_ml_per_h"]) for p in body["phases"]
    ] == [
        ("bolus", 7.7, 0.77, 464.8),
        ("infusion", 42.0, 4.2, 101.4),
    ]
    assert (body["total_mg"], body["total_mg_per_kg"], body["total_volume_ml"]) == (
        49.7,
        0.71,
        4.97,
    )
    assert body["total_minutes"] == 52


def test_dose_plan_rounds_a_json_decimal_weight_half_up(nurse, api_client_for):
    """70.0625 kg x 0.8 = 56.05 exactly -> 56.1 mg; 56.1 / 10 = 5.61 mL."""
    body = _post(api_client_for(nurse), "kare-2022", _KARE_70 | {"weight_kg": 70.0625}).json()

    assert (body["total_mg"], body["total_volume_ml"]) == (56.1, 5.61)


def test_im_and_azhari_plans_have_no_rate(nurse, api_client_for):
    client = api_client_for(nurse)

    krupitsky = _post(
        client,
        "krupitsky-her-2007",
        {"weight_kg": 70, "concentration_mg_per_ml": 100, "session_number": 3},
    ).json()
    azhari = _post(client, "azhari-cann-2021", _KARE_70 | {"session_number": 2}).json()

    assert (krupitsky["phases"][0]["dose_mg"], krupitsky["phases"][0]["volume_ml"]) == (
        140.0,
        1.4,
    )
    assert (krupitsky["phases"][0]["rate_ml_per_h"], krupitsky["bag_volume_ml"]) == (None, None)
    assert (azhari["total_mg"], azhari["phases"][0]["rate_ml_per_h"]) == (98.7, None)
    assert len(azhari["warnings"]) == 1


def test_das_is_refused_with_400_until_a_dose_is_set(nurse, clinic_admin, das, api_client_for):
    client = api_client_for(nurse)

    refused = _post(client, "das-2019", _KARE_70)
    v2 = draft_from(
        actor=clinic_admin, version=das, phases=[infusion("0.5", 30)], max_mg_per_kg=D("0.5")
    )
    services.protocol_version_activate(actor=clinic_admin, version=v2)
    planned = _post(client, "das-2019", _KARE_70)

    assert refused.status_code == 400
    assert refused.json()["detail"] == (
        "The protocol das-2019 v1 has no dose: the clinic's medical director must set one in "
        "a new version before it can be used."
    )
    assert refused.json()["code"] == "invalid_input"
    assert planned.status_code == 200
    assert (planned.json()["version_number"], planned.json()["total_mg"]) == (2, 35.0)


def test_cap_refusal_shows_both_numbers(nurse, clinic_admin, kare, api_client_for):
    v2 = draft_from(actor=clinic_admin, version=kare, max_total_mg=D("150.0"))
    services.protocol_version_activate(actor=clinic_admin, version=v2)

    response = _post(api_client_for(nurse), "kare-2022", _KARE_70 | {"weight_kg": 210})

    assert response.status_code == 400
    assert response.json()["detail"].startswith(
        "The dose 168.0 mg is above this protocol's maximum of 150.0 mg:"
    )


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        (_KARE_70 | {"weight_kg": 7000}, 400, "Weight 7000 kg is not plausible"),
        (_KARE_70 | {"weight_kg": -1}, 400, "Weight must be a positive number of kg"),
        (_KARE_70 | {"bag_volume_ml": None}, 400, "Bag volume is missing: enter it in mL."),
        (_KARE_70 | {"session_number": 9}, 400, "Session 9 is outside kare-2022 v1"),
        (
            {"concentration_mg_per_ml": 10, "bag_volume_ml": 100},
            422,
            "Invalid input: payload.weight_kg",
        ),
        (_KARE_70 | {"weight_kg": "seventy"}, 422, "Invalid input: payload.weight_kg"),
        (_KARE_70 | {"weight_kg": "NaN"}, 422, "Invalid input: payload.weight_kg"),
        (_KARE_70 | {"patient_id": 3}, 422, "Invalid input: payload.patient_id: Extra inputs"),
    ],
)
def test_bad_input_is_refused_with_detail_and_code(nurse, api_client_for, body, status, detail):
    response = _post(api_client_for(nurse), "kare-2022", body)

    assert response.status_code == status
    assert response.json()["detail"].startswith(detail)
    assert response.json()["code"] == "invalid_input"


def test_unknown_protocol_is_404(nurse, api_client_for):
    response = _post(api_client_for(nurse), "no-such-protocol", _KARE_70)

    assert response.status_code == 404
    assert response.json() == {
        "detail": "The protocol 'no-such-protocol' does not exist or has no active version.",
        "code": "not_found",
    }


def test_unauthenticated_is_401():
    response = _post(Client(), "kare-2022", _KARE_70)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_list_shows_each_protocol_with_its_active_version(
    researcher, api_client_for, django_assert_max_num_queries
):
    client = api_client_for(researcher)

    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/protocols")

    body = response.json()
    assert response.status_code == 200
    assert (body["count"], body["limit"], body["offset"]) == (6, 25, 0)
    by_code = {item["code"]: item for item in body["items"]}
    assert list(by_code) == sorted(by_code)
    das = by_code["das-2019"]["active_version"]
    assert (das["number"], das["usable"], das["max_mg_per_kg"]) == (1, False, None)
    kare = by_code["kare-2022"]["active_version"]
    assert (kare["usable"], kare["problems"], kare["max_mg_per_kg"]) == (True, [], 0.8)
    assert kare["phases"] == [
        {"session_number": 0, "order": 1, "kind": "infusion", "mg_per_kg": 0.8, "minutes": 40}
    ]


def test_list_refuses_unknown_parameters(nurse, api_client_for):
    response = api_client_for(nurse).get("/api/v1/protocols?code=kare")

    assert response.status_code == 400


def test_detail_shows_every_version_newest_first(nurse, clinic_admin, kare, api_client_for):
    draft_from(actor=clinic_admin, version=kare, reason="Draft for review")

    response = api_client_for(nurse).get("/api/v1/protocols/kare-2022")

    body = response.json()
    assert response.status_code == 200
    assert [(v["number"], v["status"], v["change_reason"]) for v in body["versions"]] == [
        (2, "draft", "Draft for review"),
        (1, "active", "Published protocol (DOMAIN.md section 1)"),
    ]
    assert body["versions"][1]["source"] == "Grabski M et al. Am J Psychiatry 2022 (KARE trial)"
    assert api_client_for(nurse).get("/api/v1/protocols/nope").status_code == 404
