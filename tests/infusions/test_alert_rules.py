"""Alert rules: the examples the migration installs, creating and retiring rules."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from ketaclinic.accounts.models import Site, User
from ketaclinic.accounts.roles import Role
from ketaclinic.core.errors import ApplicationError, PermissionDeniedError
from ketaclinic.infusions import services
from ketaclinic.infusions.models import AlertRule
from tests.infusions.flow import written


@pytest.fixture
def admin(make_user: Callable[..., User], boston: Site) -> User:
    return make_user(Role.CLINIC_ADMIN, boston, username="admin")


def test_the_examples_are_labelled_for_the_medical_director(db: None) -> None:
    examples = AlertRule.objects.filter(is_example=True)
    assert examples.count() == 11
    assert all(rule.owner == "example: the medical director must confirm" for rule in examples)
    assert all("medical director must confirm" in rule.source for rule in examples)
    during = examples.filter(phase="intra").values_list(
        "parameter", "comparator", "value", "action"
    )
    assert sorted(during) == [
        ("dbp", "gt", Decimal("100.0"), "call_physician"),
        ("dbp", "gt", Decimal("100.0"), "pause_infusion"),
        ("sbp", "gt", Decimal("180.0"), "call_physician"),
        ("sbp", "gt", Decimal("180.0"), "pause_infusion"),
        ("spo2", "lt", Decimal("92.0"), "call_physician"),
        ("spo2", "lt", Decimal("92.0"), "stop_infusion"),
    ]


def test_the_admin_creates_and_retires_a_rule(admin: User, boston: Site) -> None:
    rule = services.alert_rule_create(
        actor=admin,
        parameter="hr",
        phase="intra",
        comparator="gt",
        value=Decimal("130"),
        action="call_physician",
        owner="Dr Medical Director (synthetic)",
        source="Clinic protocol 2025-03 (synthetic)",
        site=boston,
    )
    assert (rule.is_example, rule.site, rule.effective_to) == (False, boston, None)
    retired = services.alert_rule_retire(actor=admin, rule=rule, reason="Replaced")
    assert retired.effective_to is not None
    with pytest.raises(ApplicationError, match="already retired"):
        services.alert_rule_retire(actor=admin, rule=rule, reason="Again")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"action": "hold_start", "phase": "intra"}, "'Hold the start' applies before"),
        ({"action": "stop_infusion", "phase": "post"}, "Pausing or stopping applies during"),
        ({"parameter": "spo2", "value": Decimal("920")}, "outside the possible readings"),
        ({"source": ""}, "source"),
    ],
)
def test_an_inconsistent_rule_is_refused(
    admin: User, changes: dict[str, object], message: str
) -> None:
    kwargs: dict[str, object] = {
        "parameter": "sbp",
        "phase": "intra",
        "comparator": "gt",
        "value": Decimal("170"),
        "action": "warn",
        "owner": "Dr MD (synthetic)",
        "source": "Clinic protocol (synthetic)",
        **changes,
    }
    before = written()
    with pytest.raises(ApplicationError, match=message):
        services.alert_rule_create(actor=admin, **kwargs)  # type: ignore[arg-type]  # parametrised kwargs
    assert written() == before


def test_a_nurse_cannot_manage_rules(make_user: Callable[..., User], boston: Site) -> None:
    nurse = make_user(Role.NURSE, boston)
    with pytest.raises(PermissionDeniedError):
        services.alert_rule_create(
            actor=nurse,
            parameter="sbp",
            phase="intra",
            comparator="gt",
            value=Decimal("170"),
            action="warn",
            owner="x",
            source="y",
        )
