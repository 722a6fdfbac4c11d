from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("", views.home, name="home"),
    path("entities/<id:entity_id>/", views.entity_view, name="entity"),
    path("entities/<id:entity_id>/export.<slug:fmt>", views.entity_export, name="export"),
    path("courses/", views.catalogue, name="catalogue"),
    path("courses/new/", views.course_form, name="course-new"),
    path("courses/<id:pk>/", views.course_form, name="course-edit"),
    path("completions/new/", views.record, name="record"),
    path("completions/import/", views.import_view, name="import"),
    path("completions/<id:pk>/remove/", views.remove_completion, name="remove"),
]
