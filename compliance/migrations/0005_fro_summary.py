"""The FROs of each entity's staff, kept with the compliance summary (issue 14): the ledger
and summary tables, the triggers (re)installed from compliance.summary (the reporting lines'
one is new), and every figure recomputed from the base tables."""

import django.db.models.deletion
from django.db import migrations, models



def _execute(schema_editor, statements) -> None:
    """The summary lives in PostgreSQL triggers; elsewhere there is nothing to do."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install(apps, schema_editor):
    from compliance import summary

    _execute(schema_editor, [*summary.install_sql(), summary.EMPTY_SQL, summary.REFRESH_ALL_SQL])


def uninstall(apps, schema_editor):
    """Going back: every summary trigger and function is dropped, since they now read the
    tables dropped here; the earlier code's `check_compliance_summary --fix` puts its own
    back."""
    from compliance import summary

    _execute(schema_editor, summary.uninstall_sql())


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0004_summary_due_dates"),
        ("org", "0008_departmentrole_organisation_wide"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, uninstall),
        migrations.CreateModel(
            name="FroLedger",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("effective_from", models.DateField()),
                ("effective_to", models.DateField()),
                (
                    "cycle",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="org.cycle",
                    ),
                ),
                (
                    "entity",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="org.orgunit",
                    ),
                ),
                (
                    "fro",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="org.staffmember",
                    ),
                ),
                (
                    "staff",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="org.staffmember",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["staff", "cycle"], name="froledger_staff_cycle")],
            },
        ),
        migrations.CreateModel(
            name="FroSummary",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("effective_from", models.DateField()),
                ("effective_to", models.DateField()),
                ("lines", models.IntegerField(default=0)),
                (
                    "cycle",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="org.cycle",
                    ),
                ),
                (
                    "entity",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="org.orgunit",
                    ),
                ),
                (
                    "fro",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="org.staffmember",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("cycle", "entity", "fro", "effective_from", "effective_to"),
                        name="frosummary_one_per_key",
                    )
                ],
            },
        ),
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
