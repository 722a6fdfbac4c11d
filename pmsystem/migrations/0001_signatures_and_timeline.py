"""Signatures and the timeline, moved here from `workplans` with their tables kept
(`workplans_signature`, `workplans_documentevent`): state only, no change to the database."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('workplans', '0006_signatures_and_timeline'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='DocumentEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('created', 'Work plan created'), ('draft_saved', 'Draft saved'), ('work_plan_submit', 'Work plan submitted'), ('work_plan_approve', 'Work plan approved'), ('work_plan_return', 'Work plan returned'), ('goals_changed', 'Work plan changed after approval'), ('additional_supervisor_proposed', 'Additional supervisor proposed'), ('additional_supervisor_answered', 'Additional supervisor answered'), ('additional_supervisor_cancelled', 'Additional supervisor request cancelled'), ('midpoint_started', 'Mid-point review started'), ('submit_midpoint', 'Mid-point comments submitted'), ('finalise_midpoint', 'Mid-point review finalised'), ('start_evaluation', 'End-of-cycle evaluation started'), ('submit_self_evaluation', 'Self-evaluation submitted'), ('supervisor_comment', "Additional supervisor's comments"), ('ratings_changed', 'Ratings changed'), ('sign_evaluation', 'Evaluation signed by the FRO'), ('approve_evaluation', 'Evaluation approved by the SRO'), ('return_to_fro', 'Evaluation returned to the FRO'), ('acknowledge', 'Evaluation acknowledged'), ('rolled_back', 'Rolled back'), ('pip_opened', 'Performance improvement plan opened'), ('pip_meeting', 'PIP review meeting'), ('pip_closed', 'Performance improvement plan closed'), ('rebuttal_filed', 'Rebuttal filed'), ('rebuttal_reply', 'HOD replied to the rebuttal'), ('panel_member_appointed', 'Panel member appointed'), ('panel_conflict', 'Panel member excused for a conflict'), ('rebuttal_report', 'Rebuttal panel report'), ('rebuttal_forwarded', 'Forwarded to the official status file')], max_length=48, verbose_name='kind')),
                        ('summary', models.CharField(max_length=300, verbose_name='summary')),
                        ('comment', models.TextField(blank=True, verbose_name='comment')),
                        ('data', models.JSONField(blank=True, default=dict, verbose_name='data')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                        ('acting_for', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='acting for')),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='actor')),
                        ('document', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='workplans.workplan', verbose_name='document')),
                    ],
                    options={
                        'verbose_name': 'document event',
                        'verbose_name_plural': 'document events',
                        'db_table': 'workplans_documentevent',
                        'ordering': ['created_at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Signature',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('stage', models.CharField(max_length=32, verbose_name='stage')),
                        ('action', models.CharField(max_length=32, verbose_name='action')),
                        ('role', models.CharField(max_length=32, verbose_name='role')),
                        ('signed_at', models.DateTimeField(auto_now_add=True, verbose_name='signed at')),
                        ('content', models.JSONField(verbose_name='content')),
                        ('content_hash', models.CharField(max_length=64, verbose_name='content hash')),
                        ('voided_at', models.DateTimeField(blank=True, null=True, verbose_name='voided at')),
                        ('void_reason', models.TextField(blank=True, verbose_name='void reason')),
                        ('acting_for', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='acting for')),
                        ('document', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='signatures', to='workplans.workplan', verbose_name='document')),
                        ('signer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='signer')),
                    ],
                    options={
                        'verbose_name': 'signature',
                        'verbose_name_plural': 'signatures',
                        'db_table': 'workplans_signature',
                        'ordering': ['signed_at', 'pk'],
                        'indexes': [models.Index(fields=['document', 'stage'], name='workplans_s_documen_ef2de3_idx')],
                    },
                ),
            ],
            database_operations=[],
        )
    ]
