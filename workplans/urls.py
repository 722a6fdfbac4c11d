from django.urls import path

from . import views

app_name = "workplans"

urlpatterns = [
    path("mine/", views.my_work_plan, name="mine"),
    path("team/", views.team, name="team"),
    path("staff/<id:staff_id>/create/", views.create_for_staff, name="create"),
    path("requests/", views.supervision_requests, name="supervision-requests"),
    path("<id:pk>/", views.document, name="document"),
    path("<id:pk>/edit/", views.edit, name="edit"),
    path("<id:pk>/do/<slug:name>/", views.transition, name="transition"),
    path("<id:pk>/supervisors/", views.propose_supervisor, name="supervisor-propose"),
    path(
        "<id:pk>/supervisors/<id:request_id>/cancel/",
        views.cancel_supervisor,
        name="supervisor-cancel",
    ),
    path("<id:pk>/check-ins/", views.check_ins, name="check-ins"),
    path("<id:pk>/midpoint/", views.midpoint, name="midpoint"),
    path("entities/<id:entity_id>/goals/", views.goal_tree, name="goal-tree"),
    path("units/<id:unit_id>/goals/", views.unit_goals, name="unit-goals"),
]
