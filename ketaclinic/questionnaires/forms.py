"""Entering a questionnaire (staff, or the patient themselves), built from its definition;
acknowledging an alert; scheduling and cancelling due questionnaires.

Skip logic is honoured on the server: an item skipped by an earlier answer is shown
disabled and its answer is not sent to the engine (the engine refuses answers to skipped
items). With htmx, changing an answer that other items depend on re-renders the form.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils import timezone

from ketaclinic.core.errors import ApplicationError
from ketaclinic.questionnaires import scoring
from ketaclinic.questionnaires.models import Instrument
from ketaclinic.questionnaires.selectors import ResponseEntry, SelfCompletion
from ketaclinic.questionnaires.services.responses import MISSING_ITEM

_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

# ASCII digits only: "²".isdigit() is true, but int("²") fails.
_INTEGER = re.compile(r"-?[0-9]+")


@dataclass(frozen=True)
class ItemRow:
    """One question as the template shows it."""

    item: scoring.Item
    field: forms.BoundField
    state: bool | None  # True asked, False skipped, None depends on an unanswered item
    condition: str  # "Asked only if ..." for items with skip logic, else ""
    triggers: bool  # other items depend on this one: re-render the form when it changes


class ItemsForm(forms.Form):
    """One radio group per item of an instrument, with the instrument's skip logic.

    Staff entry (`ResponseForm`) and the patient's own completion (`SelfCompletionForm`)
    render and validate items the same way; only their wording differs (`item_noun`).
    """

    item_noun = "item"

    def __init__(self, *args: Any, instrument: Instrument, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.definition = instrument.parsed
        for item in self.definition.items:
            self.fields[item.id] = forms.TypedChoiceField(
                label=item.text,
                choices=[(str(o.value), o.label) for o in item.options],
                coerce=int,
                empty_value=None,
                required=False,  # the engine names every missing item, in item order
                widget=forms.RadioSelect,
            )

    @property
    def refreshing(self) -> bool:
        """An htmx re-render after an answer changed: show, do not save."""
        return self.data.get("_refresh") == "1"

    def raw_answers(self) -> dict[str, int]:
        """The answers typed so far that are allowed values (before validation)."""
        answers: dict[str, int] = {}
        for item in self.definition.items:
            value = self.data.get(item.id) if self.is_bound else self.initial.get(item.id)
            if value is not None and _INTEGER.fullmatch(str(value)):
                answers[item.id] = int(value)
        return answers

    def visibility(self) -> dict[str, bool | None]:
        return scoring.item_visibility(self.definition, self.raw_answers())

    def item_rows(self) -> list[ItemRow]:
        visible = self.visibility()
        referenced = {ref for item in self.definition.items for ref in _refs(item.show_if)}
        return [
            ItemRow(
                item=item,
                field=self[item.id],
                state=visible[item.id],
                condition=_condition_text(item.show_if, self.definition, self.item_noun),
                triggers=item.id in referenced,
            )
            for item in self.definition.items
        ]

    def answers(self) -> dict[str, int]:
        """The cleaned answers for the engine: answers to skipped items are left out."""
        visible = self.visibility()
        return {
            item.id: self.cleaned_data[item.id]
            for item in self.definition.items
            if self.cleaned_data.get(item.id) is not None and visible[item.id] is not False
        }


class ResponseForm(ItemsForm):
    completed_at = forms.DateTimeField(
        label="Completed at",
        required=False,
        widget=_DATETIME,
        help_text="The clinic's local time. Leave empty for now (or, for a correction, the "
        "original's time).",
    )
    completed_by_patient = forms.BooleanField(
        label="The patient filled in the form themselves (paper or tablet)", required=False
    )

    def __init__(self, *args: Any, entry: ResponseEntry, **kwargs: Any) -> None:
        super().__init__(*args, instrument=entry.instrument, **kwargs)
        self.entry = entry
        self.site_zone = zoneinfo.ZoneInfo(entry.patient.site.time_zone)
        if entry.corrects is not None:
            self.fields["correction_reason"] = forms.CharField(
                label="Reason for the correction",
                max_length=300,
                required=False,
                help_text="For example: item 3 entered as 3, the patient said 1.",
            )
            self.initial.update({k: str(v) for k, v in entry.corrects.answers.items()})

    def clean_completed_at(self) -> dt.datetime | None:
        """The typed wall-clock time is the clinic's, whatever the server's time zone."""
        value: dt.datetime | None = self.cleaned_data["completed_at"]
        if value is None:
            return None
        return timezone.make_naive(value).replace(tzinfo=self.site_zone)

    def service_kwargs(self) -> dict[str, Any]:
        """Arguments for `response_submit`."""
        kwargs: dict[str, Any] = {
            "instrument_code": self.definition.code,
            "answers": self.answers(),
            "completed_at": self.cleaned_data["completed_at"],
            "completed_by_patient": self.cleaned_data["completed_by_patient"],
        }
        if self.entry.corrects is not None:
            kwargs["supersedes"] = self.entry.corrects.pk
            kwargs["correction_reason"] = self.cleaned_data["correction_reason"]
        return kwargs


class SelfCompletionForm(ItemsForm):
    """The patient's own form: the same items and skip logic, plain patient wording."""

    item_noun = "question"

    def __init__(self, *args: Any, entry: SelfCompletion, **kwargs: Any) -> None:
        super().__init__(*args, instrument=entry.instrument, **kwargs)
        self.entry = entry

    def add_refusal(self, error: ApplicationError) -> None:
        """The service's refusal in the patient's words: which questions still need an answer."""
        numbers = {item.id: item.number for item in self.definition.items}
        missing = []
        for name, messages in error.field_errors.items():
            for message in messages:
                if name in numbers and message == MISSING_ITEM:
                    missing.append(numbers[name])
                    self.add_error(name, "Please answer this question.")
                else:
                    self.add_error(name if name in self.fields else None, message)
        if missing:
            listed = ", ".join(str(number) for number in sorted(missing))
            self.add_error(
                None,
                f"Some questions still need an answer: "
                f"{'question' if len(missing) == 1 else 'questions'} {listed}. "
                "Answer them, then press Send. Nothing was sent yet.",
            )
        elif not error.field_errors:
            self.add_error(None, error.message)


class DueCancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=300,
        required=False,  # the service names what is missing, in plain words
        help_text="For example: infusion cancelled, or entered on paper and filed.",
    )


class AcknowledgeForm(forms.Form):
    action_taken = forms.CharField(
        label="Action taken",
        max_length=2000,
        required=False,  # the service names what is missing, in plain words
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you did, e.g. 'Called the patient, assessed risk, safety plan reviewed'.",
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class InstrumentSettingForm(forms.Form):
    site_id = forms.IntegerField()
    instrument_code = forms.CharField(max_length=40)
    enabled = forms.BooleanField(required=False)


def add_service_errors(form: forms.Form, error: Any) -> None:
    """Put a service's refusal on the form, field by field where it names one."""
    for name, messages in error.field_errors.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
    if not error.field_errors:
        form.add_error(None, error.message)


def _refs(condition: scoring.Condition | None) -> set[str]:
    if isinstance(condition, scoring.Compare):
        return {condition.ref} if condition.subject == "item" else set()
    if isinstance(condition, scoring.AllOf | scoring.AnyOf):
        return {ref for inner in condition.conditions for ref in _refs(inner)}
    if isinstance(condition, scoring.Not):
        return _refs(condition.condition)
    return set()


def _condition_text(
    condition: scoring.Condition | None, definition: scoring.InstrumentDefinition, noun: str
) -> str:
    if condition is None:
        return ""
    if (
        isinstance(condition, scoring.Compare)
        and condition.subject == "item"
        and condition.op in ("equals", "in")
    ):
        item = definition.item(condition.ref)
        values = condition.operand if isinstance(condition.operand, tuple) else (condition.operand,)
        labels = " or ".join(f"'{item.label_for(int(v))}'" for v in values)
        return f"Asked only if {noun} {item.number} is answered {labels}."
    return "Asked only when earlier answers call for it."
