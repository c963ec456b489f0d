"""The default schedule of issue 4 item 4, installed as rules a clinic can change.

Which instruments and the windows are the clinic's choice, not published science: each rule
says so in its source note. Choices made here (see the note on each rule):
- baseline: PHQ-9, GAD-7, AUDIT, DAST-10, PACS, C-SSRS screener and craving (PGSI only for
  patients with gambling as a target, so it is left to staff to add);
- before each infusion: craving and PHQ-9, open from the day before the infusion;
- after each infusion: MEQ-30 and craving;
- weekly during treatment: PHQ-9 and craving;
- 30, 91, 182 and 365 days (1, 3, 6 and 12 months) after the last infusion: PHQ-9, GAD-7 and
  craving; at 12 months also AUDIT and DAST-10, whose recall period is the past year.
"""

from typing import Any

from django.db import migrations

NOTE = "default from issue 4; set by your clinic"

# (event, instruments, offset_days, window_days)
DEFAULT_RULES: list[tuple[str, list[str], int, int]] = [
    ("baseline", ["phq9", "gad7", "audit", "dast10", "pacs", "cssrs_screen", "craving"], 0, 7),
    ("pre_infusion", ["craving", "phq9"], -1, 1),
    ("post_infusion", ["meq30", "craving"], 0, 1),
    ("weekly_during_treatment", ["phq9", "craving"], 0, 3),
    ("after_last_infusion", ["phq9", "gad7", "craving"], 30, 14),
    ("after_last_infusion", ["phq9", "gad7", "craving"], 91, 14),
    ("after_last_infusion", ["phq9", "gad7", "craving"], 182, 14),
    ("after_last_infusion", ["phq9", "gad7", "craving", "audit", "dast10"], 365, 14),
]


def install(apps: Any, schema_editor: Any) -> None:
    rule_model = apps.get_model("questionnaires", "ScheduleRule")
    if rule_model.objects.exists():
        return
    for event, instruments, offset_days, window_days in DEFAULT_RULES:
        rule_model.objects.create(
            event=event,
            instruments=instruments,
            offset_days=offset_days,
            window_days=window_days,
            is_active=True,
            source_note=(
                f"{NOTE}. The instruments and the {window_days}-day window are a clinic "
                "choice, not a published rule."
            ),
        )


class Migration(migrations.Migration):
    dependencies = [("questionnaires", "0004_schedules")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
