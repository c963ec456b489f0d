"""Reads of the protocol library. No patient data here: any staff member may read it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from ketaclinic.accounts.models import User
from ketaclinic.core.errors import NotFoundError, PermissionDeniedError
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.protocols.dosing import version_problems
from ketaclinic.protocols.models import (
    ProtocolPhase,
    ProtocolTemplate,
    ProtocolVersion,
    VersionStatus,
)
from ketaclinic.protocols.services import EDITABLE_FIELDS


def require_staff(*, user: User) -> None:
    """The library is for clinic staff (any role); a patient's portal login has none."""
    if not user.is_active or not user.role_names:
        raise PermissionDeniedError("The protocol library is for clinic staff.")


def _versions() -> QuerySet[ProtocolVersion]:
    in_use = TreatmentCourse.objects.filter(protocol_version=OuterRef("pk"))
    return (
        ProtocolVersion.objects.select_related("template", "created_by")
        .prefetch_related(Prefetch("phases", queryset=ProtocolPhase.objects.order_by("order")))
        .annotate(in_use=Exists(in_use))
    )


def protocol_library() -> QuerySet[ProtocolTemplate]:
    """Every protocol with all its versions (newest first) and their phases prefetched.

    Each version carries `in_use` (a treatment course uses it)."""
    return ProtocolTemplate.objects.prefetch_related(
        Prefetch("versions", queryset=_versions().order_by("-number"))
    ).order_by("code")


def template_get(*, code: str) -> ProtocolTemplate:
    template = protocol_library().filter(code=code).first()
    if template is None:
        raise NotFoundError(f"No protocol with the code {code!r}.")
    return template


def version_get(*, code: str, number: int) -> ProtocolVersion:
    version = _versions().filter(template__code=code, number=number).first()
    if version is None:
        raise NotFoundError(f"No version {number} of the protocol {code!r}.")
    return version


def active_version(*, code: str) -> ProtocolVersion:
    """The version new courses and dose plans use (phases prefetched); 404 when none."""
    version = _versions().filter(template__code=code, status=VersionStatus.ACTIVE).first()
    if version is None:
        raise NotFoundError(f"The protocol {code!r} does not exist or has no active version.")
    return version


def usable_versions() -> QuerySet[ProtocolVersion]:
    """Active versions that can be used for treatment (no `version_problems`), by code."""
    active = list(_versions().filter(status=VersionStatus.ACTIVE))
    usable = [v.pk for v in active if not version_problems(v)]
    return _versions().filter(pk__in=usable).order_by("template__code")


def version_in_use(*, version: ProtocolVersion) -> bool:
    """A treatment course uses this version (from the `in_use` annotation when loaded here)."""
    annotated = getattr(version, "in_use", None)
    if isinstance(annotated, bool):
        return annotated
    return version.courses.exists()


@dataclass(frozen=True)
class VersionView:
    """A version as the pages show it: phases, problems and what may be done with it."""

    version: ProtocolVersion
    phases: list[ProtocolPhase]
    problems: list[str]
    in_use: bool

    @property
    def usable(self) -> bool:
        return not self.problems

    @property
    def can_edit(self) -> bool:
        return self.version.status == VersionStatus.DRAFT and not self.in_use

    @property
    def can_activate(self) -> bool:
        return self.version.status == VersionStatus.DRAFT and self.usable


@dataclass(frozen=True)
class LibraryRow:
    template: ProtocolTemplate
    active: VersionView | None
    versions: list[VersionView]


def version_view(*, version: ProtocolVersion) -> VersionView:
    return VersionView(
        version=version,
        phases=sorted(version.phases.all(), key=lambda p: (p.session_number, p.order)),
        problems=version_problems(version),
        in_use=version_in_use(version=version),
    )


def library_rows() -> list[LibraryRow]:
    """Every protocol, its active version and all its versions (a fixed number of queries)."""
    rows: list[LibraryRow] = []
    for template in protocol_library():
        views = [version_view(version=v) for v in template.versions.all()]
        active = next((v for v in views if v.version.status == VersionStatus.ACTIVE), None)
        rows.append(LibraryRow(template=template, active=active, versions=views))
    return rows


def unsaved_copy(*, version: ProtocolVersion) -> ProtocolVersion:
    """A detached copy for a form to fill in, so the stored version is never touched."""
    copy = ProtocolVersion(template=version.template, number=version.number, status=version.status)
    for field in EDITABLE_FIELDS:
        setattr(copy, field, getattr(version, field))
    copy.instrument_schedule = list(version.instrument_schedule)
    copy.change_reason = version.change_reason
    return copy
