"""Clinic admins manage consent template versions and the redisclosure notice."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketaclinic.accounts.permissions import require_perm
from ketaclinic.accounts.roles import Perm
from ketaclinic.accounts.selectors import sites_for_user
from ketaclinic.consent import selectors, services
from ketaclinic.consent.forms import ConsentTemplateForm, RedisclosureNoticeForm, add_service_errors
from ketaclinic.consent.models import ConsentKind
from ketaclinic.core.errors import ApplicationError
from ketaclinic.core.http import acting_user


@login_required
@require_GET
def template_list_view(request: HttpRequest) -> HttpResponse:
    templates = selectors.consent_template_list(user=acting_user(request))
    notice = selectors.redisclosure_notice_current()
    return render(request, "consent/template_list.html", {"templates": templates, "notice": notice})


@login_required
@require_http_methods(["GET", "POST"])
def template_create_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    require_perm(user=user, perm=Perm.CONSENT_TEMPLATE_MANAGE, target_type="consent_template")
    form = ConsentTemplateForm(request.POST or None, sites=sites_for_user(user=user))
    if request.method == "POST" and form.is_valid():
        try:
            data = form.cleaned_data
            template = services.consent_template_create(
                actor=user,
                kind=ConsentKind(data["kind"]),
                site=data["site"],
                title=data["title"],
                body=data["body"],
                revocation_statement=data["revocation_statement"],
            )
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"Saved draft version {template.version}. Activate it when ready."
            )
            return redirect("consent:template_list")
    status = 400 if form.errors else 200
    return render(request, "consent/template_form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def template_edit_view(request: HttpRequest, template_id: int) -> HttpResponse:
    user = acting_user(request)
    template = selectors.consent_template_get(user=user, template_id=template_id)
    initial = {f: getattr(template, f) for f in ("title", "body", "revocation_statement")}
    form = ConsentTemplateForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_template_update(
                actor=user, template_id=template.pk, **form.cleaned_data
            )
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Saved version {template.version}.")
            return redirect("consent:template_list")
    refusal = selectors.template_edit_refusal(
        template=template, is_used=selectors.template_is_used(template=template)
    )
    context = {"form": form, "template": template, "refusal": refusal}
    return render(
        request, "consent/template_form.html", context, status=400 if form.errors else 200
    )


@login_required
@require_POST
def template_new_version_view(request: HttpRequest, template_id: int) -> HttpResponse:
    template = services.consent_template_new_version(
        actor=acting_user(request), template_id=template_id
    )
    messages.success(request, f"Created draft version {template.version}: edit it, then activate.")
    return redirect("consent:template_edit", template.pk)


@login_required
@require_POST
def template_activate_view(request: HttpRequest, template_id: int) -> HttpResponse:
    template = services.consent_template_activate(
        actor=acting_user(request), template_id=template_id
    )
    messages.success(
        request, f"Version {template.version} is now active; the previous one was retired."
    )
    return redirect("consent:template_list")


@login_required
@require_POST
def template_retire_view(request: HttpRequest, template_id: int) -> HttpResponse:
    template = services.consent_template_retire(actor=acting_user(request), template_id=template_id)
    messages.success(request, f"Version {template.version} retired. Signed consents stay valid.")
    return redirect("consent:template_list")


@login_required
@require_http_methods(["GET", "POST"])
def redisclosure_notice_create_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    require_perm(user=user, perm=Perm.CONSENT_TEMPLATE_MANAGE, target_type="consent_template")
    current = selectors.redisclosure_notice_current()
    initial = (
        {"text": current.text, "abbreviated_text": current.abbreviated_text} if current else {}
    )
    form = RedisclosureNoticeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.redisclosure_notice_publish(actor=user, **form.cleaned_data)
        except ApplicationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Published redisclosure notice version {notice.version}.")
            return redirect("consent:template_list")
    status = 400 if form.errors else 200
    return render(request, "consent/notice_form.html", {"form": form}, status=status)
