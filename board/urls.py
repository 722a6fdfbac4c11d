from django.urls import path

from . import views

app_name = "board"

urlpatterns = [
    path("", views.home, name="home"),
    path("entities/<id:entity_id>/", views.entity_view, name="entity"),
    path("entities/<id:entity_id>/fros/<id:fro_id>/", views.fro_comment, name="fro-comment"),
    path("documents/<id:pk>/", views.document_view, name="document"),
    path("pips/<id:pk>/", views.pip_view, name="pip"),
]
