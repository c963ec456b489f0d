"""The database itself refuses UPDATE on questionnaire responses: they are immutable.

As for the audit trail, DELETE is refused by the ORM only, because test databases are
flushed between tests.
"""

from typing import Any

from django.db import migrations

SQLITE_UP = """
CREATE TRIGGER questionnaire_response_no_update
BEFORE UPDATE ON questionnaires_questionnaireresponse
BEGIN SELECT RAISE(ABORT, 'questionnaire responses are immutable'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS questionnaire_response_no_update;"

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION questionnaire_response_refuse_update() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'questionnaire responses are immutable'; END; $$ LANGUAGE plpgsql;
CREATE TRIGGER questionnaire_response_no_update
BEFORE UPDATE ON questionnaires_questionnaireresponse
FOR EACH ROW EXECUTE FUNCTION questionnaire_response_refuse_update();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS questionnaire_response_no_update ON questionnaires_questionnaireresponse;
DROP FUNCTION IF EXISTS questionnaire_response_refuse_update();
"""


def forwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)


def backwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)


class Migration(migrations.Migration):
    dependencies = [("questionnaires", "0002_instrument_library")]

    operations = [migrations.RunPython(forwards, backwards)]
