"""The patient's reminder choices. The service checks the rules; the form checks the shape."""

from __future__ import annotations

from django import forms

from ketaclinic.core.errors import ApplicationError


class ReminderChoicesForm(forms.Form):
    email_enabled = forms.BooleanField(label="Remind me by email", required=False)
    sms_enabled = forms.BooleanField(label="Remind me by text message", required=False)
    checkin_reminder_time = forms.TimeField(
        label="Daily check-in reminder at",
        required=False,
        help_text="Your local time, for example 20:00. Leave empty for no daily reminder.",
        error_messages={"invalid": "Enter a time such as 20:00, or leave it empty."},
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    opted_out = forms.BooleanField(
        label="Stop all reminders",
        required=False,
        help_text="You will get no reminders by email or text until you turn this off.",
    )

    def add_service_errors(self, error: ApplicationError) -> None:
        """Show a service's refusal on the fields it names, else at the top of the form."""
        placed = False
        for field, messages in error.field_errors.items():
            if field in self.fields:
                for message in messages:
                    self.add_error(field, message)
                placed = True
        if not placed:
            self.add_error(None, error.message)
