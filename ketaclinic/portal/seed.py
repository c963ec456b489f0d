"""Demo portal logins: a few synthetic patients who have accepted their invitation.

They sign in with their (example.org) email address and the published demo password.
"""

from __future__ import annotations

from collections.abc import Sequence

from ketaclinic.accounts.models import User
from ketaclinic.accounts.seed import DEMO_PASSWORD
from ketaclinic.patients.models import Patient
from ketaclinic.portal.models import PatientAccount
from ketaclinic.portal.services import invitation_credentials, portal_activate, portal_invite


def seed_portal_accounts(
    *, patients: Sequence[Patient], actor: User, seed: int, count: int = 1
) -> list[tuple[str, str]]:
    """Invite and activate `count` of `patients` through the real services (no email sent).

    Deterministic: the patients with the lowest ids are chosen (`seed` is accepted for the
    common seeding signature; nothing here is random). Returns (username, description) pairs
    for the demo's list of logins. Patients who already have a login are skipped.
    """
    taken = set(PatientAccount.objects.values_list("patient_id", flat=True))
    chosen = [p for p in sorted(patients, key=lambda p: p.pk) if p.pk not in taken and p.email]
    logins = []
    for patient in chosen[:count]:
        account = portal_invite(actor=actor, patient=patient, email=patient.email, send_email=False)
        uidb64, token = invitation_credentials(account=account)
        portal_activate(uidb64=uidb64, token=token, password=DEMO_PASSWORD)
        logins.append((account.user.username, f"Patient portal, {patient.site.name}"))
    return logins
