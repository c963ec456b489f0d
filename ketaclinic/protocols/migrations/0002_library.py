"""Install the protocol library of DOMAIN.md section 1 (version 1 of each, active)."""

from typing import Any

from django.db import migrations


def install(apps: Any, schema_editor: Any) -> None:
    from ketaclinic.protocols.seed import library_install

    library_install(
        template_model=apps.get_model("protocols", "ProtocolTemplate"),
        version_model=apps.get_model("protocols", "ProtocolVersion"),
        phase_model=apps.get_model("protocols", "ProtocolPhase"),
    )


class Migration(migrations.Migration):
    dependencies = [("protocols", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
