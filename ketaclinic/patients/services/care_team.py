"""The care team (physician and therapist at the patient's site) and outside contacts."""

from __future__ import annotations

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import Action
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import ApplicationError
from ketaclinic.patients.models import CareTeam, Patient, PatientContact
from ketaclinic.patients.services._common import chart_write, validated


def _check_member(*, patient: Patient, member: User | None, role: Role, field: str) -> None:
    """Only active staff holding `role` at the patient's own site can be on the care team."""
    if member is None:
        return
    qualifies = User.objects.filter(
        pk=member.pk, is_active=True, sites=patient.site_id, role_assignments__role=role
    ).exists()
    if not qualifies:
        message = (
            f"{member} is not a {role.label.lower()} at {patient.site.name}: choose a "
            f"{role.label.lower()} who works at the patient's site."
        )
        raise ApplicationError(message, field_errors={field: [message]})


@chart_write("care_team")
def care_team_set(
    *, actor: User, patient: Patient, physician: User | None, therapist: User | None
) -> CareTeam:
    """Name the patient's physician and therapist (either may be left empty)."""
    _check_member(patient=patient, member=physician, role=Role.PHYSICIAN, field="physician")
    _check_member(patient=patient, member=therapist, role=Role.THERAPIST, field="therapist")
    team = CareTeam.objects.select_for_update().filter(patient=patient).first()
    created = team is None
    team = team or CareTeam(patient=patient)
    changed = [
        name
        for name, member in (("physician", physician), ("therapist", therapist))
        if getattr(team, f"{name}_id") != (member.pk if member else None)
    ]
    team.physician = physician
    team.therapist = therapist
    team.updated_by = actor
    validated(team).save()
    audit_record(
        actor=actor,
        action=Action.CREATE if created else Action.UPDATE,
        patient=patient,
        target_type="care_team",
        target_id=team.pk,
        detail="changed " + (",".join(changed) or "nothing"),
    )
    return team


@chart_write("patient_contact")
def patient_contact_set(
    *,
    actor: User,
    patient: Patient,
    role: str,
    name: str = "",
    organisation: str = "",
    phone: str = "",
    email: str = "",
    note: str = "",
) -> PatientContact:
    """Record or replace the patient's referring provider or primary care contact."""
    contact = PatientContact.objects.select_for_update().filter(patient=patient, role=role).first()
    created = contact is None
    contact = contact or PatientContact(patient=patient, role=role)
    contact.name = name.strip()
    contact.organisation = organisation.strip()
    contact.phone = phone.strip()
    contact.email = email.strip()
    contact.note = note.strip()
    contact.updated_by = actor
    validated(contact).save()
    audit_record(
        actor=actor,
        action=Action.CREATE if created else Action.UPDATE,
        patient=patient,
        target_type="patient_contact",
        target_id=contact.pk,
        detail=contact.role,
    )
    return contact
