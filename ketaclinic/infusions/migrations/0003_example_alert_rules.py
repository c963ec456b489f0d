"""Install the example alert rules of DOMAIN.md section 2, labelled as examples."""

from typing import Any

from django.db import migrations


def install(apps: Any, schema_editor: Any) -> None:
    from ketaclinic.infusions.examples import install_example_rules

    install_example_rules(rule_model=apps.get_model("infusions", "AlertRule"))


class Migration(migrations.Migration):
    dependencies = [("infusions", "0002_flowsheet")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
