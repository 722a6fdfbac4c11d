"""Each document's stage, set from the states of its mid-point review and evaluation (the
same rule as `appraisals.services.refresh_document_stages`, on the historical models)."""

from django.db import migrations
from django.db.models import Case, Exists, OuterRef, Q, Subquery, Value, When


def set_stages(apps, schema_editor):
    WorkPlan = apps.get_model("workplans", "WorkPlan")
    Appraisal = apps.get_model("appraisals", "Appraisal")
    MidpointReview = apps.get_model("workplans", "MidpointReview")
    evaluation = Appraisal.objects.filter(~Q(state="not_started"), pk=OuterRef("pk"))
    midpoint = MidpointReview.objects.filter(~Q(state="not_started"), work_plan_id=OuterRef("pk"))
    WorkPlan.objects.update(
        stage=Case(
            When(Exists(evaluation), then=Subquery(evaluation.values("state")[:1])),
            When(Exists(midpoint), then=Value("midpoint")),
            default=Value("work_plan"),
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("appraisals", "0003_translatable_labels"),
        ("workplans", "0005_document_stage_no_grant_tables"),
    ]

    operations = [migrations.RunPython(set_stages, migrations.RunPython.noop)]
