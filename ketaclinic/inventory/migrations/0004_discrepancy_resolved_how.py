"""A resolved discrepancy says how it was resolved and links the entry that resolved it.

`reversal` becomes `resolving_entry` (a reversing entry or, now, a theft or loss entry);
`resolved_as` names the kind of resolution and `recount` the later count that showed a
counting error. Discrepancies resolved before this migration become corrections when they
reversed an entry, counting errors otherwise (they carry no recount).
"""

import django.db.models.deletion
from django.db import migrations, models


def _resolved_as(apps, schema_editor):  # type: ignore[no-untyped-def]
    discrepancy = apps.get_model("inventory", "Discrepancy")
    resolved = discrepancy.objects.filter(status="resolved")
    resolved.filter(resolving_entry__isnull=False).update(resolved_as="correction")
    resolved.filter(resolving_entry__isnull=True).update(resolved_as="counting_error")


class Migration(migrations.Migration):
    dependencies = [("inventory", "0003_registrant_renewal_keeps_number")]

    operations = [
        migrations.RenameField(
            model_name="discrepancy", old_name="reversal", new_name="resolving_entry"
        ),
        migrations.AlterField(
            model_name="discrepancy",
            name="resolving_entry",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="resolved_discrepancy",
                to="inventory.ledgerentry",
            ),
        ),
        migrations.AddField(
            model_name="discrepancy",
            name="resolved_as",
            field=models.CharField(
                blank=True,
                choices=[
                    ("counting_error", "Counting error: a recount agrees with the register"),
                    ("theft_loss", "Theft or significant loss, recorded in the register"),
                    ("correction", "A wrong entry, corrected by a reversing entry"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="discrepancy",
            name="recount",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="inventory.countline",
            ),
        ),
        migrations.RunPython(_resolved_as, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="discrepancy",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("recount__isnull", True),
                        ("resolved_as", ""),
                        ("resolving_entry__isnull", True),
                        ("status", "open"),
                    ),
                    models.Q(
                        ("resolved_as__in", ("theft_loss", "correction")),
                        ("resolving_entry__isnull", False),
                        ("status", "resolved"),
                    ),
                    models.Q(
                        ("resolved_as", "counting_error"),
                        ("resolving_entry__isnull", True),
                        ("status", "resolved"),
                    ),
                    _connector="OR",
                ),
                name="discrepancy_resolved_how",
            ),
        ),
    ]
