"""Consent templates, signed patient consents and the Part 2 redisclosure notice.

The 42 CFR Part 2 consent elements come from DOMAIN.md section 5 (42 CFR 2.31): patient
name; who may disclose; a specific description of the information; recipients (name or
class; one consent may cover all future treatment, payment and health care operations
uses); purpose; the right to revoke and how; an expiry date or ending event; signature
and date. The database refuses a Part 2 consent that lacks any of them, one named
constraint per element, so even a write that bypasses the services cannot store one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class ConsentKind(models.TextChoices):
    """Extend here (and migrate) to add a kind; Part 2 kinds also go in PART2_KINDS."""

    TREATMENT_KETAMINE = "treatment_ketamine", "Informed consent for ketamine treatment"
    PART2_DISCLOSURE = "part2_disclosure", "42 CFR Part 2 consent to disclose"
    # 42 CFR Part 2 (DOMAIN.md section 5): counselling notes need their own specific consent.
    COUNSELLING_NOTES_PART2 = (
        "counselling_notes_part2",
        "42 CFR Part 2 consent to disclose counselling notes",
    )


PART2_KINDS: frozenset[str] = frozenset(
    {ConsentKind.PART2_DISCLOSURE.value, ConsentKind.COUNSELLING_NOTES_PART2.value}
)


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"


class SignedVia(models.TextChoices):
    WITNESSED = "witnessed", "Signed in front of a staff member"
    PATIENT_ACCOUNT = "patient_account", "Signed in the patient's own portal account"


class RevocationChannel(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    IN_WRITING = "in_writing", "In writing (letter, form or e-mail)"
    BY_PHONE = "by_phone", "By phone"
    OTHER = "other", "Other (say how in the reason)"


class ConsentTemplate(models.Model):
    """One version of a consent form's text. Once a consent is signed on it, it never changes.

    `site` empty means the version applies at every site; a site's own active version of a
    kind wins over the all-sites one. At most one version of a kind is active per scope.
    """

    kind = models.CharField(max_length=40, choices=ConsentKind.choices)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    # Part 2 kinds: prefills the consent's "right to revoke and how" element.
    revocation_statement = models.TextField(blank=True)
    site = models.ForeignKey(
        "accounts.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consent_templates",
    )
    status = models.CharField(
        max_length=10, choices=TemplateStatus.choices, default=TemplateStatus.DRAFT
    )
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Empty for the example versions shipped with Ketaclinic.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "site_id", "-version"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ConsentKind.values), name="template_kind"),
            models.CheckConstraint(
                condition=Q(status__in=TemplateStatus.values), name="template_status"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="template_version_from_1"),
            models.CheckConstraint(
                condition=~Q(title="") & ~Q(body=""), name="template_has_title_and_body"
            ),
            # Two pairs because NULL never equals NULL in a unique index (all-sites rows).
            models.UniqueConstraint(
                fields=["kind", "site", "version"],
                condition=Q(site__isnull=False),
                name="template_version_unique_per_site",
            ),
            models.UniqueConstraint(
                fields=["kind", "version"],
                condition=Q(site__isnull=True),
                name="template_version_unique_all_sites",
            ),
            models.UniqueConstraint(
                fields=["kind", "site"],
                condition=Q(status=TemplateStatus.ACTIVE, site__isnull=False),
                name="one_active_template_per_site",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(status=TemplateStatus.ACTIVE, site__isnull=True),
                name="one_active_template_all_sites",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version}, {self.get_status_display()})"

    @property
    def is_part2(self) -> bool:
        return self.kind in PART2_KINDS

    @property
    def scope_label(self) -> str:
        return self.site.name if self.site is not None else "All sites"


def _part2_requires(condition: Q, name: str) -> models.CheckConstraint:
    # Sorted so the migration autodetector sees the same list on every run.
    kinds = sorted(PART2_KINDS)
    return models.CheckConstraint(condition=~Q(kind__in=kinds) | condition, name=name)


class PatientConsent(models.Model):
    """A consent the patient signed on one exact template version. Revoked, never deleted.

    Status (valid, expired, revoked) is computed by `selectors.consent_status`. Disclosures
    made under a Part 2 consent come later: each will carry the current RedisclosureNotice
    version (42 CFR 2.32) and be listed in the patient's accounting of disclosures.
    """

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="consents"
    )
    template = models.ForeignKey(ConsentTemplate, on_delete=models.PROTECT, related_name="consents")
    kind = models.CharField(max_length=40, choices=ConsentKind.choices)
    # The name as it stood when the patient signed: a later name change leaves this as signed.
    patient_name = models.CharField(max_length=200)
    # Part 2 elements; empty for a treatment consent.
    discloser = models.TextField("Who may disclose", blank=True)
    information_description = models.TextField("Information to be disclosed", blank=True)
    recipients = models.TextField(blank=True)
    recipients_all_tpo = models.BooleanField(
        "All future treatment, payment and health care operations uses", default=False
    )
    purpose = models.TextField(blank=True)
    revocation_statement = models.TextField("Right to revoke and how", blank=True)
    expires_on = models.DateField(null=True, blank=True)
    ending_event = models.TextField(blank=True)
    ending_event_occurred_at = models.DateTimeField(null=True, blank=True)
    ending_event_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The electronic signature: typed name, time, and who saw it or which account signed.
    signature_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField()
    signed_via = models.CharField(max_length=20, choices=SignedVia.choices)
    witnessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The patient's own portal account, once the portal exists.
    patient_account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revocation_reason = models.TextField(blank=True)
    revocation_received_via = models.CharField(
        max_length=20, choices=RevocationChannel.choices, blank=True
    )

    class Meta:
        ordering = ["-signed_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "kind", "signed_at"], name="consent_patient_kind"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ConsentKind.values), name="consent_kind"),
            models.CheckConstraint(
                condition=~Q(signature_name="") & ~Q(patient_name=""),
                name="consent_has_signature",
            ),
            models.CheckConstraint(
                condition=(
                    Q(signed_via=SignedVia.WITNESSED, witnessed_by__isnull=False)
                    | Q(signed_via=SignedVia.PATIENT_ACCOUNT, patient_account__isnull=False)
                ),
                name="consent_signed_by_witness_or_account",
            ),
            models.CheckConstraint(
                condition=(
                    Q(revoked_at__isnull=True, revoked_by__isnull=True, revocation_reason="")
                    | (
                        Q(revoked_at__isnull=False, revoked_by__isnull=False)
                        & ~Q(revocation_reason="")
                    )
                ),
                name="consent_revocation_complete",
            ),
            models.CheckConstraint(
                condition=Q(ending_event_occurred_at__isnull=True) | ~Q(ending_event=""),
                name="consent_ending_event_named",
            ),
            _part2_requires(~Q(discloser=""), "part2_consent_has_discloser"),
            _part2_requires(~Q(information_description=""), "part2_consent_has_information"),
            _part2_requires(
                ~Q(recipients="") | Q(recipients_all_tpo=True), "part2_consent_has_recipients"
            ),
            _part2_requires(~Q(purpose=""), "part2_consent_has_purpose"),
            _part2_requires(~Q(revocation_statement=""), "part2_consent_has_revocation"),
            _part2_requires(
                Q(expires_on__isnull=False) | ~Q(ending_event=""), "part2_consent_has_expiry"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} signed {self.signed_at:%Y-%m-%d}"

    @property
    def is_part2(self) -> bool:
        return self.kind in PART2_KINDS

    @property
    def recipients_label(self) -> str:
        parts = [self.recipients] if self.recipients else []
        if self.recipients_all_tpo:
            parts.append(str(PatientConsent._meta.get_field("recipients_all_tpo").verbose_name))
        return "; ".join(parts)


class RedisclosureNotice(models.Model):
    """The 42 CFR 2.32 notice that accompanies every disclosure; rows are versions, newest wins.

    A new wording is a new row, so each future disclosure can point at the exact text sent.
    """

    version = models.PositiveIntegerField(unique=True)
    text = models.TextField()
    abbreviated_text = models.TextField(blank=True)
    source = models.CharField(max_length=200)
    review_note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="redisclosure_notice_has_text"),
            models.CheckConstraint(condition=Q(version__gte=1), name="redisclosure_version_from_1"),
        ]

    def __str__(self) -> str:
        return f"Redisclosure notice v{self.version}"
