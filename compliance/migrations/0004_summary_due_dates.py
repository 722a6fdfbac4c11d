"""The compliance summary keeps each person's mid-point and end-of-cycle due dates as buckets
too (HR's deadline extensions move them), and is refreshed when an extension is given or its
bulk change undone: the triggers are (re)installed from compliance.summary and the summary
rebuilt from the base tables."""

import datetime

from django.db import migrations, models


def _execute(schema_editor, statements) -> None:
    """The summary lives in PostgreSQL triggers; elsewhere there is nothing to do."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def truncate(apps, schema_editor):
    """The summary is derived data: emptied here, rebuilt with the new keys by 0005 (the
    tables of this migration's time, written out: compliance.summary's list grew since)."""
    _execute(
        schema_editor,
        [
            "TRUNCATE compliance_stageledger, compliance_stagesummary, "
            "compliance_entitysummary, compliance_ratingsummary"
        ],
    )


def install(apps, schema_editor):
    """Nothing any more: 0005 installs the functions and triggers (they now read tables it
    creates) and rebuilds every figure. A database migrated before then had them installed
    here, and 0005 reinstalls them."""


def uninstall(apps, schema_editor):
    from compliance import summary

    _execute(schema_editor, summary.uninstall_sql())


KEY = ["category", "gender", "workplan_due", "midpoint_due", "end_of_cycle_due"]
PLACEHOLDER = datetime.date(2000, 1, 1)  # no row holds it: the tables are emptied first


def due_fields(model: str) -> list:
    return [
        migrations.AddField(
            model_name=model,
            name=name,
            field=models.DateField(default=PLACEHOLDER),
            preserve_default=False,
        )
        for name in ("midpoint_due", "end_of_cycle_due")
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0003_compliance_summary"),
        ("org", "0004_user_email_preference"),
    ]

    operations = [
        migrations.RunPython(uninstall, migrations.RunPython.noop),
        migrations.RunPython(truncate, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="stagesummary", name="stagesummary_one_per_key"),
        migrations.RemoveConstraint(model_name="entitysummary", name="entitysummary_one_per_key"),
        *due_fields("stageledger"),
        *due_fields("stagesummary"),
        *due_fields("entitysummary"),
        migrations.AddConstraint(
            model_name="stagesummary",
            constraint=models.UniqueConstraint(
                fields=["cycle", "unit", *KEY], name="stagesummary_one_per_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="entitysummary",
            constraint=models.UniqueConstraint(
                fields=["cycle", "entity", *KEY], name="entitysummary_one_per_key"
            ),
        ),
        migrations.RunPython(install, uninstall),
    ]
