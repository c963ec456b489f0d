from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from ketaclinic.accounts.roles import Perm
from ketaclinic.core.http import acting_user
from ketaclinic.portal.selectors import is_patient_user


@login_required
def home_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if is_patient_user(user=user):
        return redirect("portal:home")
    context = {
        "can_view_patients": user.has_role_perm(Perm.PATIENT_VIEW),
        "can_view_audit": user.has_role_perm(Perm.AUDIT_VIEW),
        "can_manage_staff": user.has_role_perm(Perm.STAFF_MANAGE),
    }
    return render(request, "core/home.html", context)


@require_GET
def healthz_view(request: HttpRequest) -> HttpResponse:
    """200 when the database answers a query, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy", whatever its type
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
