"""The database itself refuses to rewrite the register (DOMAIN.md section 5: entries are
immutable; nothing may be purged before two years, so nothing is ever deleted).

PostgreSQL refuses UPDATE and DELETE on every append-only register table. TRUNCATE is not a
row change, so the test runner's flush still works. SQLite (development and the demo) refuses
UPDATE only: its flush between transactional tests is a row-by-row DELETE; the ORM refuses
deletes there.
"""

from django.db import migrations

TABLES = ("inventory_ledgerentry", "inventory_lossfiling", "inventory_count", "inventory_countline")


def _sqlite_up(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'register records are never changed'); END;"
    )


POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION inventory_refuse_change() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'register records are never changed or deleted'; END; $$ LANGUAGE plpgsql;
"""


def _postgres_up(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION inventory_refuse_change();"
    )


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(_sqlite_up(table))
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION)
        for table in TABLES:
            schema_editor.execute(_postgres_up(table))


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update;")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table};")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS inventory_refuse_change();")


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
