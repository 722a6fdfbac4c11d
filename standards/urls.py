from django.urls import path

from . import views

app_name = "standards"

urlpatterns = [
    path("", views.home, name="home"),
    path("entities/<id:entity_id>/<id:cycle_id>/", views.entity, name="entity"),
    path("entities/<id:entity_id>/<id:cycle_id>/new/", views.create, name="create"),
    path("<id:pk>/", views.version, name="version"),
    path("<id:pk>/edit/", views.edit, name="edit"),
    path("<id:pk>/publish/", views.publish, name="publish"),
    path("<id:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<id:pk>/attachment/", views.attachment, name="attachment"),
]
