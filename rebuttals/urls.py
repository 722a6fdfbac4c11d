from django.urls import path

from . import views

app_name = "rebuttals"

urlpatterns = [
    path("", views.monitor, name="monitor"),
    path("file/<id:document_pk>/", views.file, name="file"),
    path("document/<id:document_pk>/", views.for_document, name="for-document"),
    path("rosters/", views.rosters, name="rosters"),
    path("rosters/<id:entity_id>/", views.roster, name="roster"),
    path("<id:pk>/", views.case_detail, name="case"),
    path("<id:pk>/reply/", views.reply, name="reply"),
    path("<id:pk>/panel/", views.appoint, name="appoint"),
    path("<id:pk>/conflict/", views.conflict, name="conflict"),
    path("<id:pk>/report/", views.report, name="report"),
    path("<id:pk>/forward/", views.forward, name="forward"),
    path("<id:pk>/attachments/<id:attachment_id>/", views.attachment, name="attachment"),
    path("<id:pk>/status-file/<slug:kind>/", views.status_file, name="status-file"),
]
