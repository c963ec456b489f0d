from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from ketaclinic.accounts.seed import DEMO_PASSWORD
from ketaclinic.patients.models import Patient
from ketaclinic.portal.models import AccountStatus, PatientAccount
from ketaclinic.portal.seed import seed_portal_accounts
from tests.factories import PatientFactory


def test_seed_activates_logins_for_the_first_patients_and_skips_existing_ones(frontdesk, boston):
    """Given three demo patients, when two logins are seeded twice, then the same two
    patients (lowest ids) have active logins with the demo password, and no email is sent."""
    patients: list[Patient] = [
        PatientFactory(site=boston, email=f"demo{n}@example.org") for n in range(3)
    ]

    first = seed_portal_accounts(patients=patients, actor=frontdesk, seed=1, count=2)
    second = seed_portal_accounts(patients=patients[:2], actor=frontdesk, seed=1, count=2)

    assert first == [
        ("demo0@example.org", "Patient portal, Boston, MA"),
        ("demo1@example.org", "Patient portal, Boston, MA"),
    ]
    assert second == []
    accounts = PatientAccount.objects.select_related("user").order_by("patient_id")
    assert [(a.patient_id, a.status) for a in accounts] == [
        (patients[0].pk, AccountStatus.ACTIVE),
        (patients[1].pk, AccountStatus.ACTIVE),
    ]
    user = ModelBackend().authenticate(None, username="demo0@example.org", password=DEMO_PASSWORD)
    assert user == accounts[0].user
