from django.urls import path

from . import views

app_name = "org"

urlpatterns = [
    path("delegations/", views.delegations, name="delegations"),
    path("delegations/<id:pk>/end/", views.end_delegation, name="delegation-end"),
    path("import/", views.import_files, name="import"),
    path("language/", views.language, name="language"),
]
