"""What the questionnaire services share: validation as a refusal (from core)."""

from __future__ import annotations

from ketaclinic.core.errors import validated

__all__ = ["validated"]
