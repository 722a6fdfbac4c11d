from django.urls import path

from . import views

app_name = "schedules"

urlpatterns = [
    path("", views.home, name="home"),
    path("staff/<id:staff_id>/", views.staff_view, name="staff"),
    path("staff/<id:staff_id>/milestones/<slug:code>/", views.milestone_view, name="milestone"),
    path("records/<id:pk>/remove/", views.remove_view, name="remove"),
    path("records/<id:pk>/board/", views.report_view, name="report"),
    path("entities/<id:entity_id>/", views.entity_view, name="entity"),
    path("entities/<id:entity_id>/export.csv", views.entity_export, name="export"),
]
