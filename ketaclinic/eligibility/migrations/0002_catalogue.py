"""Install the DOMAIN.md §2 contraindication checklist and the example rules (labelled examples)."""

from typing import Any

from django.db import migrations


def install(apps: Any, schema_editor: Any) -> None:
    from ketaclinic.eligibility.catalogue import catalogue_install

    catalogue_install(
        definition_model=apps.get_model("eligibility", "ContraindicationDefinition"),
        rule_model=apps.get_model("eligibility", "RiskRuleSet"),
        mapping_model=apps.get_model("eligibility", "LevelOfCareMapping"),
    )


class Migration(migrations.Migration):
    dependencies = [("eligibility", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
