"""Page forms. They validate input shape only; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms

from ketaclinic.core.errors import ApplicationError
from ketaclinic.eligibility.choices import (
    Answer,
    AsamLevel,
    ContraindicationClass,
    EligibilityOutcome,
    FamilyHistory,
    PriorKetamineUse,
    ReferralStatus,
    Substance,
)
from ketaclinic.eligibility.models import ContraindicationDefinition, ContraindicationScreen
from ketaclinic.eligibility.rules import DIMENSIONS, RATINGS, RiskFacts
from ketaclinic.eligibility.services import DimensionRating, ScreenAnswer

_TEXT = {"rows": 3}


class ServiceErrorForm(forms.Form):
    """A form whose cleaned data become a service's keyword arguments.

    A service's refusal shows at the top of the form and next to each field it names.
    """

    def service_kwargs(self) -> dict[str, Any]:
        return dict(self.cleaned_data)

    def field_name(self, key: str) -> str | None:
        return key if key in self.fields else None

    def add_service_error(self, error: ApplicationError) -> None:
        self.add_error(None, error.message)
        for key, messages in error.field_errors.items():
            name = self.field_name(key)
            for message in messages if name is not None else []:
                self.add_error(name, message)


class ScreenForm(ServiceErrorForm):
    """One present / absent / unknown answer (and an optional note) per active checklist item."""

    note = forms.CharField(
        label="Note on this screen", required=False, widget=forms.Textarea(attrs=_TEXT)
    )

    def __init__(
        self,
        *args: Any,
        definitions: list[ContraindicationDefinition],
        previous: ContraindicationScreen | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.definitions = definitions
        # A new screen starts blank on purpose: copied answers would be saved unexamined, and
        # an old note would contradict a changed answer. The previous screen stays readable.
        self.previous = previous
        for definition in definitions:
            self.fields[f"answer_{definition.code}"] = forms.ChoiceField(
                label=definition.label,
                choices=Answer.choices,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose present, absent or unknown."},
            )
            self.fields[f"note_{definition.code}"] = forms.CharField(
                label=f"Note on {definition.label.lower()}",
                required=False,
                max_length=500,
            )

    def field_name(self, key: str) -> str | None:
        return f"answer_{key}" if f"answer_{key}" in self.fields else super().field_name(key)

    def groups(self) -> list[tuple[str, list[tuple[ContraindicationDefinition, Any, Any]]]]:
        """(heading, [(item, answer field, note field)]) for absolute, then relative items."""
        return [
            (
                klass.label,
                [
                    (d, self[f"answer_{d.code}"], self[f"note_{d.code}"])
                    for d in self.definitions
                    if d.klass == klass
                ],
            )
            for klass in ContraindicationClass
        ]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        answers = [
            ScreenAnswer(d.code, Answer(data[f"answer_{d.code}"]), data[f"note_{d.code}"])
            for d in self.definitions
        ]
        return {"answers": answers, "note": data["note"]}


class DecisionForm(ServiceErrorForm):
    outcome = forms.ChoiceField(choices=EligibilityOutcome.choices, widget=forms.RadioSelect)
    reasoning = forms.CharField(
        widget=forms.Textarea(attrs=_TEXT),
        help_text="Always required. Active substance use is not a block: say how you weighed it.",
    )
    conditions = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs=_TEXT),
        help_text="Required for 'eligible with conditions'.",
    )
    override_reason = forms.CharField(
        label="Override reason (absolute contraindication)",
        required=False,
        widget=forms.Textarea(attrs=_TEXT),
        help_text="Only to decide eligible despite an absolute contraindication. Audited.",
    )
    screen_id = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def service_kwargs(self) -> dict[str, Any]:
        return {**self.cleaned_data, "outcome": EligibilityOutcome(self.cleaned_data["outcome"])}


class RiskBenefitForm(ServiceErrorForm):
    prior_ketamine_use = forms.ChoiceField(
        label="Prior ketamine or dissociative use",
        choices=PriorKetamineUse.choices,
        widget=forms.RadioSelect,
    )
    family_history = forms.ChoiceField(
        label="Family history of addiction", choices=FamilyHistory.choices, widget=forms.RadioSelect
    )
    unstable_housing = forms.BooleanField(label="Unstable housing", required=False)
    little_support = forms.BooleanField(label="Little social support", required=False)
    peers_who_use = forms.BooleanField(label="Peers who use", required=False)
    legal_problems = forms.BooleanField(label="Legal problems", required=False)
    current_substances = forms.MultipleChoiceField(
        label="Current substances",
        choices=Substance.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    current_substances_note = forms.CharField(
        label="Current substances: details", required=False, widget=forms.Textarea(attrs=_TEXT)
    )
    current_psychosis_risk = forms.BooleanField(label="Current psychosis risk", required=False)
    personality_disorder = forms.BooleanField(label="Personality disorder", required=False)
    psychiatric_notes = forms.CharField(
        label="Psychiatric factors: notes", required=False, widget=forms.Textarea(attrs=_TEXT)
    )
    benefits_discussed = forms.CharField(widget=forms.Textarea(attrs=_TEXT))
    monitoring_plan = forms.CharField(
        widget=forms.Textarea(attrs=_TEXT),
        help_text="For example more frequent drug screens, shorter gaps between integration "
        "sessions.",
    )

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        facts = RiskFacts(
            prior_ketamine_use=PriorKetamineUse(data["prior_ketamine_use"]),
            family_history=FamilyHistory(data["family_history"]),
            unstable_housing=data["unstable_housing"],
            little_support=data["little_support"],
            peers_who_use=data["peers_who_use"],
            legal_problems=data["legal_problems"],
            current_substances=tuple(Substance(s) for s in data["current_substances"]),
            current_psychosis_risk=data["current_psychosis_risk"],
            personality_disorder=data["personality_disorder"],
        )
        texts = ("benefits_discussed", "monitoring_plan", "current_substances_note")
        return {"facts": facts, "psychiatric_notes": data["psychiatric_notes"]} | {
            name: data[name] for name in texts
        }


class RiskBenefitSignForm(ServiceErrorForm):
    signature_name = forms.CharField(label="Physician: type your full name to sign", max_length=160)
    patient_name = forms.CharField(
        label="Patient: type your first and last name to acknowledge", max_length=160
    )
    confirm = forms.BooleanField(
        label="I discussed these risks, benefits and the monitoring plan with the patient, who "
        "typed their own name.",
        error_messages={"required": "Confirm the discussion took place before signing."},
    )

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"signature_name": data["signature_name"], "patient_name": data["patient_name"]}


class LevelOfCareForm(ServiceErrorForm):
    decided_level = forms.ChoiceField(
        label="Level you decide on",
        choices=[("", "Choose a level"), *AsamLevel.choices],
        required=False,
    )
    disagreement_reason = forms.CharField(
        label="Reason, if you choose a level other than recommended",
        required=False,
        widget=forms.Textarea(attrs=_TEXT),
    )

    def __init__(self, *args: Any, preview: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.preview = preview
        for d in DIMENSIONS:
            self.fields[f"{d.key}_rating"] = forms.TypedChoiceField(
                label=d.label,
                choices=RATINGS,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": "Rate this dimension from 0 to 4."},
            )
            self.fields[f"{d.key}_note"] = forms.CharField(
                label=f"Note on {d.label[3:].lower()}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.preview and not data.get("decided_level"):
            self.add_error("decided_level", "Choose the level you decide on.")
        return data

    def dimensions(self) -> list[tuple[Any, Any]]:
        return [(self[f"{d.key}_rating"], self[f"{d.key}_note"]) for d in DIMENSIONS]

    def rating_values(self) -> dict[str, int]:
        return {d.key: self.cleaned_data[f"{d.key}_rating"] for d in DIMENSIONS}

    def ratings(self) -> dict[str, DimensionRating]:
        data = self.cleaned_data
        return {
            d.key: DimensionRating(data[f"{d.key}_rating"], data[f"{d.key}_note"])
            for d in DIMENSIONS
        }

    def service_kwargs(self) -> dict[str, Any]:
        return {
            "ratings": self.ratings(),
            "decided_level": AsamLevel(self.cleaned_data["decided_level"]),
            "disagreement_reason": self.cleaned_data["disagreement_reason"],
        }


class ReferralForm(ServiceErrorForm):
    destination = forms.CharField(label="Referred to (where)", max_length=200)
    referred_on = forms.DateField(
        label="Referral date", widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(choices=ReferralStatus.choices, initial=ReferralStatus.PLANNED)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs=_TEXT))

    def service_kwargs(self) -> dict[str, Any]:
        return {**self.cleaned_data, "status": ReferralStatus(self.cleaned_data["status"])}


class ReferralStatusForm(ServiceErrorForm):
    status = forms.ChoiceField(label="New status", choices=ReferralStatus.choices)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs=_TEXT))

    def service_kwargs(self) -> dict[str, Any]:
        return {**self.cleaned_data, "status": ReferralStatus(self.cleaned_data["status"])}
