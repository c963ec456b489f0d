from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from ketaclinic.portal.models import AccountStatus


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ({"invited": True}, AccountStatus.INVITED),
        ({}, AccountStatus.ACTIVE),
        ({"disabled": True}, AccountStatus.DISABLED),
    ],
)
def test_status_follows_the_dates(account_factory, state, expected):
    account = account_factory(**state)

    assert account.status == expected
    assert account.is_usable == (expected == AccountStatus.ACTIVE)


@pytest.mark.parametrize(
    "fields",
    [{"disabled_reason": ""}, {"disabled_by": None}],
)
def test_the_database_refuses_a_disabled_login_without_actor_or_reason(account_factory, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        account_factory(disabled=True, **fields)


def test_the_database_refuses_an_activation_before_the_invitation(account_factory):
    account = account_factory(invited=True)
    account.activated_at = account.invited_at - dt.timedelta(seconds=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        account.save()


def test_str_names_the_patient_id_only(account_factory):
    account = account_factory()

    assert str(account) == f"Portal account of patient {account.patient_id}"
