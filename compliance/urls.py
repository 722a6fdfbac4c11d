from django.urls import path

from . import views

home_urlpatterns = [path("", views.home, name="home")]

app_name = "compliance"

urlpatterns = [
    path("", views.compliance_dashboard, name="dashboard"),
    path("people/", views.compliance_people, name="people"),
    path("export/<slug:table>.<slug:fmt>", views.compliance_export, name="export"),
    path("follow-up/", views.follow_up_view, name="follow-up"),
    path("follow-up/export.<slug:fmt>", views.follow_up_export, name="follow-up-export"),
    path("reminders/", views.reminder_list, name="reminder-list"),
    path("broadcasts/", views.broadcast_list, name="broadcast-list"),
    path("broadcasts/<id:pk>/", views.broadcast_detail, name="broadcast-detail"),
    path(
        "entities/<id:entity_id>/broadcasts/new/", views.broadcast_create, name="broadcast-create"
    ),
]
