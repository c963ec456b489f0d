"""Install the instrument library shipped in definitions/*.json (DOMAIN.md section 3).

A later change to a definition ships as a new `version` in its JSON file plus a new data
migration (or a call to `services.instrument_import`): an installed version never changes.
"""

from typing import Any

from django.db import migrations


def install(apps: Any, schema_editor: Any) -> None:
    from ketaclinic.questionnaires.library import definition_install, packaged_definitions

    instrument_model = apps.get_model("questionnaires", "Instrument")
    for raw in packaged_definitions():
        definition_install(instrument_model=instrument_model, raw=raw)


class Migration(migrations.Migration):
    dependencies = [("questionnaires", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
