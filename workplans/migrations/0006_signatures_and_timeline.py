"""Signatures and the timeline now belong to the `pmsystem` app (what every stage shares):
the models leave this app's state; their tables stay as they are (pmsystem 0001)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('workplans', '0005_document_stage_no_grant_tables'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='signature',
                    name='acting_for',
                ),
                migrations.RemoveField(
                    model_name='signature',
                    name='document',
                ),
                migrations.RemoveField(
                    model_name='signature',
                    name='signer',
                ),
                migrations.DeleteModel(
                    name='DocumentEvent',
                ),
                migrations.DeleteModel(
                    name='Signature',
                ),
            ],
            database_operations=[],
        )
    ]
