from django.urls import path

from . import views

app_name = "appraisals"

urlpatterns = [
    path("sro/", views.sro_queue, name="sro-queue"),
    path("<id:pk>/", views.evaluation, name="evaluation"),
    path("<id:pk>/start/", views.start, name="start"),
    path("<id:pk>/self/", views.self_evaluation, name="self-evaluation"),
    path("<id:pk>/supervisor/", views.supervisor_comment, name="supervisor-comment"),
    path("<id:pk>/ratings/", views.ratings, name="ratings"),
    path("<id:pk>/sro/", views.sro, name="sro"),
    path("<id:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<id:pk>/rollback/", views.rollback, name="rollback"),
    path("<id:pk>/pips/", views.improvement_plans, name="pips"),
    path("<id:pk>/pips/<id:plan_id>/meeting/", views.improvement_plan_meeting, name="pip-meeting"),
    path("<id:pk>/pips/<id:plan_id>/close/", views.improvement_plan_close, name="pip-close"),
    path("<id:pk>/pdf/", views.pdf, name="pdf"),
]
