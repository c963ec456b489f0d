from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from ketaclinic.questionnaires.models import (
    AlertDeleteError,
    QuestionnaireResponse,
    ResponseImmutableError,
    SafetyAlert,
)
from tests.questionnaires.factories import PHQ9_ITEM9, PHQ9_MODERATE, submit


def test_a_stored_response_refuses_save_update_and_delete(nurse, patient):
    """Responses are immutable: a correction is a new response that supersedes."""
    response = submit(nurse, patient, "phq9", PHQ9_MODERATE)
    response.band_code = "minimal"

    with pytest.raises(ResponseImmutableError):
        response.save()
    with pytest.raises(ResponseImmutableError):
        QuestionnaireResponse.objects.filter(pk=response.pk).update(band_code="minimal")
    with pytest.raises(ResponseImmutableError):
        QuestionnaireResponse.objects.filter(pk=response.pk).delete()
    with pytest.raises(ResponseImmutableError):
        response.delete()

    assert QuestionnaireResponse.objects.get().band_code == "moderate"


def test_the_database_refuses_an_update_even_in_raw_sql(nurse, patient):
    response = submit(nurse, patient, "phq9", PHQ9_MODERATE)
    table = QuestionnaireResponse._meta.db_table

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET band_code = 'minimal' WHERE id = %s", [response.pk])  # noqa: S608  # table name from the model

    assert QuestionnaireResponse.objects.get().band_code == "moderate"


def test_the_database_refuses_a_correction_without_a_reason(nurse, patient):
    original = submit(nurse, patient, "phq9", PHQ9_MODERATE)
    copy = QuestionnaireResponse.objects.get(pk=original.pk)
    copy.pk = None
    copy._state.adding = True
    copy.supersedes = original

    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


def test_safety_alerts_are_never_deleted(nurse, patient):
    submit(nurse, patient, "phq9", PHQ9_ITEM9)

    with pytest.raises(AlertDeleteError):
        SafetyAlert.objects.all().delete()
    with pytest.raises(AlertDeleteError):
        SafetyAlert.objects.get().delete()

    assert SafetyAlert.objects.count() == 1
