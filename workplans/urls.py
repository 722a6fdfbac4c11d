from django.urls import path

from . import views

app_name = "workplans"

urlpatterns = [
    path("mine/", views.my_work_plan, name="mine"),
    path("team/", views.team, name="team"),
    path("staff/<int:staff_id>/create/", views.create_for_staff, name="create"),
    path("requests/", views.supervision_requests, name="supervision-requests"),
    path("<int:pk>/", views.document, name="document"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/do/<slug:name>/", views.transition, name="transition"),
    path("<int:pk>/supervisors/", views.propose_supervisor, name="supervisor-propose"),
    path(
        "<int:pk>/supervisors/<int:request_id>/cancel/",
        views.cancel_supervisor,
        name="supervisor-cancel",
    ),
    path("<int:pk>/check-ins/", views.check_ins, name="check-ins"),
    path("<int:pk>/midpoint/", views.midpoint, name="midpoint"),
    path("entities/<int:entity_id>/goals/", views.goal_tree, name="goal-tree"),
    path("units/<int:unit_id>/goals/", views.unit_goals, name="unit-goals"),
]
