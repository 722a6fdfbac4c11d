from django.urls import path

from . import views

app_name = "rebuttals"

urlpatterns = [
    path("", views.monitor, name="monitor"),
    path("file/<int:document_pk>/", views.file, name="file"),
    path("document/<int:document_pk>/", views.for_document, name="for-document"),
    path("rosters/", views.rosters, name="rosters"),
    path("rosters/<int:entity_id>/", views.roster, name="roster"),
    path("<int:pk>/", views.case_detail, name="case"),
    path("<int:pk>/reply/", views.reply, name="reply"),
    path("<int:pk>/panel/", views.appoint, name="appoint"),
    path("<int:pk>/conflict/", views.conflict, name="conflict"),
    path("<int:pk>/report/", views.report, name="report"),
    path("<int:pk>/forward/", views.forward, name="forward"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("<int:pk>/status-file/<slug:kind>/", views.status_file, name="status-file"),
]
