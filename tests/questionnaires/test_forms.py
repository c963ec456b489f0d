from __future__ import annotations

from ketaclinic.questionnaires.forms import ItemsForm
from ketaclinic.questionnaires.models import Instrument


def test_non_ascii_digits_are_refused_as_answers_not_a_crash(db):
    """ "²" counts as a digit for str.isdigit() but int() refuses it: the form must say the
    answer is not allowed instead of failing."""
    instrument = Instrument.objects.get(code="phq9", is_active=True)
    form = ItemsForm({"phq9_1": "²"}, instrument=instrument)

    assert form.raw_answers() == {}
    assert not form.is_valid()
    assert "phq9_1" in form.errors
