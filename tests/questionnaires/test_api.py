from __future__ import annotations

from ketaclinic.audit.models import AuditEvent


def _phq9(total_per_item: list[int]) -> dict[str, int]:
    return {f"phq9_{n}": value for n, value in enumerate(total_per_item, start=1)}


def test_list_instruments_returns_every_code_with_loinc(physician, api_client_for):
    response = api_client_for(physician).get("/api/v1/instruments")

    assert response.status_code == 200
    by_code = {row["code"]: row for row in response.json()}
    assert sorted(by_code) == [
        "audit",
        "auditc",
        "craving",
        "cssrs_screen",
        "dast10",
        "gad7",
        "meq30",
        "pacs",
        "pgsi",
        "phq9",
    ]
    assert (by_code["phq9"]["loinc_panel"], by_code["phq9"]["loinc_total"]) == (
        "44249-1",
        "44261-6",
    )
    assert by_code["meq30"]["item_count"] == 30


def test_get_instrument_returns_items_with_ids_and_option_values(physician, api_client_for):
    body = api_client_for(physician).get("/api/v1/instruments/audit").json()

    assert [item["id"] for item in body["items"]] == [f"audit_{n}" for n in range(1, 11)]
    assert [o["value"] for o in body["items"][8]["options"]] == [0, 2, 4]


def test_unknown_instrument_is_404_naming_the_known_ones(physician, api_client_for):
    response = api_client_for(physician).get("/api/v1/instruments/phq10")

    assert response.status_code == 404
    assert response.json()["detail"].startswith("No instrument 'phq10'. Known instruments: audit")


def test_score_phq9_returns_total_band_and_safety_flag_without_storing(physician, api_client_for):
    """Given PHQ-9 answers totalling 10 with item 9 = 1, then moderate + suicide_risk."""
    client = api_client_for(physician)
    events_before = AuditEvent.objects.count()

    response = client.post(
        "/api/v1/instruments/phq9/score",
        {"answers": _phq9([1, 1, 1, 1, 1, 2, 1, 1, 1])},
        content_type="application/json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["band"]["code"]) == (10, "moderate")
    assert "suicide_risk" in body["flags"]
    assert AuditEvent.objects.count() == events_before


def test_score_accepts_item_numbers_and_sex_for_auditc(physician, api_client_for):
    client = api_client_for(physician)
    answers = {"1": 1, "2": 1, "3": 1}

    female = client.post(
        "/api/v1/instruments/auditc/score",
        {"answers": answers, "sex": "female"},
        content_type="application/json",
    ).json()
    male = client.post(
        "/api/v1/instruments/auditc/score",
        {"answers": answers, "context": {"sex": "male"}},
        content_type="application/json",
    ).json()

    assert (female["total"], male["total"]) == (3, 3)
    assert female["band"]["code"] != male["band"]["code"]


def test_missing_items_are_refused_with_their_ids(physician, api_client_for):
    response = api_client_for(physician).post(
        "/api/v1/instruments/gad7/score",
        {"answers": {"gad7_1": 1, "gad7_2": 1, "gad7_3": 1, "gad7_4": 1, "gad7_5": 1}},
        content_type="application/json",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == (
        "Missing answers for gad7_6, gad7_7: answer every item before scoring."
    )
    assert body["code"] == "invalid_input"
    assert [e["field"] for e in body["errors"]] == ["gad7_6", "gad7_7"]


def test_unknown_body_fields_are_rejected(physician, api_client_for):
    response = api_client_for(physician).post(
        "/api/v1/instruments/craving/score",
        {"answers": {"craving_1": 3}, "patient": 5},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert "patient" in response.json()["detail"]


def test_scoring_needs_a_token(client, db):
    response = client.post(
        "/api/v1/instruments/craving/score",
        {"answers": {"craving_1": 3}},
        content_type="application/json",
    )

    assert response.status_code == 401
