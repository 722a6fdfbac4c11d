from django.urls import path

from . import views

app_name = "org"

urlpatterns = [
    path("delegations/", views.delegations, name="delegations"),
    path("delegations/<id:pk>/end/", views.end_delegation, name="delegation-end"),
    path("import/", views.import_files, name="import"),
    path("language/", views.language, name="language"),
    path("profile/", views.profile, name="profile"),
    path("session/keep-alive/", views.keep_alive, name="keep-alive"),
    path("hr/", views.bulk_changes, name="bulk-list"),
    path("hr/changes/<id:pk>/", views.bulk_change_detail, name="bulk-detail"),
    path("hr/changes/<id:pk>/undo/", views.bulk_change_undo, name="bulk-undo"),
    path("hr/<id:entity_id>/reassign/", views.bulk_reassign, name="bulk-reassign"),
    path("hr/<id:entity_id>/extend/", views.bulk_extend, name="bulk-extend"),
    path("hr/<id:entity_id>/launch/", views.bulk_launch, name="bulk-launch"),
]
