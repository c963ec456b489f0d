"""The protocol library pages: everyone on staff reads; clinic admins write versions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.core.errors import ApplicationError
from ketaclinic.core.http import acting_user
from ketaclinic.protocols import selectors, services
from ketaclinic.protocols.forms import VersionForm, add_service_errors, phase_forms
from ketaclinic.protocols.models import ProtocolVersion

_TARGET = "protocol_version"


@login_required
@require_GET
def library_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    selectors.require_staff(user=user)
    context = {
        "rows": selectors.library_rows(),
        "can_manage": user.has_role_perm(Perm.PROTOCOL_MANAGE),
    }
    return render(request, "protocols/library.html", context)


@login_required
@require_GET
def version_detail_view(request: HttpRequest, code: str, number: int) -> HttpResponse:
    user = acting_user(request)
    selectors.require_staff(user=user)
    context = {
        "view": selectors.version_view(version=selectors.version_get(code=code, number=number)),
        "can_manage": user.has_role_perm(Perm.PROTOCOL_MANAGE),
    }
    return render(request, "protocols/version_detail.html", context)


def _version_form(request: HttpRequest, *, source: ProtocolVersion, editing: bool) -> HttpResponse:
    """The new-version form (a copy of `source`) or the draft edit form (`editing`)."""
    user = acting_user(request)
    require_perm(user=user, perm=Perm.PROTOCOL_MANAGE, target_type=_TARGET, target_id=source.pk)
    data = request.POST if request.method == "POST" else None
    form = VersionForm(data, instance=selectors.unsaved_copy(version=source), editing=editing)
    rows = phase_forms(data, source)
    in_use = selectors.version_in_use(version=source)
    refusal = services.edit_refusal(source, in_use=in_use) if editing else ""
    if data is not None and not refusal and form.is_valid() and all(r.is_valid() for r in rows):
        specs = [spec for row in rows if (spec := row.spec()) is not None]
        try:
            if editing:
                version = services.protocol_version_update(
                    actor=user,
                    version=source,
                    changes=form.changes(),
                    phases=specs,
                    change_reason=form.cleaned_data["change_reason"],
                )
            else:
                version = services.protocol_version_create(
                    actor=user,
                    template=source.template,
                    from_version=source,
                    changes=form.changes(),
                    phases=specs,
                    change_reason=form.cleaned_data["change_reason"],
                )
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Saved draft {version}. Activate it when it is ready.")
            return redirect("protocols:version", version.template.code, version.number)
    context = {"form": form, "rows": rows, "source": source, "editing": editing}
    context["refusal"] = refusal
    failed = data is not None and (
        bool(refusal) or bool(form.errors) or any(r.errors for r in rows)
    )
    return render(request, "protocols/version_form.html", context, status=422 if failed else 200)


@login_required
@require_http_methods(["GET", "POST"])
def version_new_view(request: HttpRequest, code: str, number: int) -> HttpResponse:
    source = selectors.version_get(code=code, number=number)
    return _version_form(request, source=source, editing=False)


@login_required
@require_http_methods(["GET", "POST"])
def version_edit_view(request: HttpRequest, code: str, number: int) -> HttpResponse:
    source = selectors.version_get(code=code, number=number)
    return _version_form(request, source=source, editing=True)


@login_required
@require_POST
def version_activate_view(request: HttpRequest, code: str, number: int) -> HttpResponse:
    user = acting_user(request)
    version = selectors.version_get(code=code, number=number)
    try:
        services.protocol_version_activate(actor=user, version=version)
    except ApplicationError as error:
        error.record_refusal()
        context = {"view": selectors.version_view(version=version), "refusal": error.message}
        context["can_manage"] = user.has_role_perm(Perm.PROTOCOL_MANAGE)
        status = error.status_code
        return render(request, "protocols/version_detail.html", context, status=status)
    messages.success(request, f"{version} is now active; the previous version was retired.")
    return redirect("protocols:version", code, number)
