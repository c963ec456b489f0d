from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def ketaclinic(request: HttpRequest) -> dict[str, Any]:
    return {
        "KETACLINIC_DEMO": settings.KETACLINIC_DEMO,
        "KETACLINIC_REQUIRE_MFA": settings.KETACLINIC_REQUIRE_MFA,
    }
