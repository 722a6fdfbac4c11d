from django.urls import path

from . import views

app_name = "appraisals"

urlpatterns = [
    path("sro/", views.sro_queue, name="sro-queue"),
    path("<int:pk>/", views.evaluation, name="evaluation"),
    path("<int:pk>/start/", views.start, name="start"),
    path("<int:pk>/self/", views.self_evaluation, name="self-evaluation"),
    path("<int:pk>/supervisor/", views.supervisor_comment, name="supervisor-comment"),
    path("<int:pk>/ratings/", views.ratings, name="ratings"),
    path("<int:pk>/sro/", views.sro, name="sro"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/rollback/", views.rollback, name="rollback"),
    path("<int:pk>/pips/", views.improvement_plans, name="pips"),
    path(
        "<int:pk>/pips/<int:plan_id>/meeting/", views.improvement_plan_meeting, name="pip-meeting"
    ),
    path("<int:pk>/pips/<int:plan_id>/close/", views.improvement_plan_close, name="pip-close"),
    path("<int:pk>/pdf/", views.pdf, name="pdf"),
]
