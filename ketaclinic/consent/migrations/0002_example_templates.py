"""Ship example consent templates and the redisclosure notice, clearly labelled as examples."""

from typing import Any

from django.db import migrations
from django.utils import timezone

from ketaclinic.consent.examples import create_examples


def add_examples(apps: Any, schema_editor: Any) -> None:
    create_examples(
        template_model=apps.get_model("consent", "ConsentTemplate"),
        notice_model=apps.get_model("consent", "RedisclosureNotice"),
        now=timezone.now(),
    )


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]

    # Reversing keeps the rows: signed consents may already point at these versions.
    operations = [migrations.RunPython(add_examples, migrations.RunPython.noop)]
