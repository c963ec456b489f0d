"""The shared form-field partial: help text reachable by screen readers, checkboxes clickable."""

from __future__ import annotations

from django import forms
from django.template.loader import render_to_string


class _Form(forms.Form):
    weight_kg = forms.DecimalField(label="Weight (kg)", help_text="As weighed today.")
    reviewed = forms.BooleanField(label="I reviewed the consent", help_text="Required to sign.")


def test_help_text_has_the_id_the_input_points_to() -> None:
    """Given a field with help text, then the help's id is the one Django's input names in
    aria-describedby, so a screen reader reads it with the field."""
    form = _Form()

    html = render_to_string("_field.html", {"field": form["weight_kg"]})

    assert 'aria-describedby="id_weight_kg_helptext"' in html
    assert '<small id="id_weight_kg_helptext" class="muted">As weighed today.</small>' in html


def test_a_checkbox_sits_inside_its_label_before_the_help_text() -> None:
    """Given a checkbox, then it is rendered inside its label (the whole label clicks it)
    and the help text follows the label, not the input, so it cannot cover the box."""
    form = _Form()

    html = render_to_string("_field.html", {"field": form["reviewed"]})

    label_start = html.index('<label for="id_reviewed">')
    box = html.index('type="checkbox"')
    label_end = html.index("</label>")
    assert label_start < box < label_end
    assert html.index('id="id_reviewed_helptext"') > label_end
