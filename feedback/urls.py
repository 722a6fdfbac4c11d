from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("", views.home, name="home"),
    path("upward/<id:pk>/", views.upward_answer, name="upward-answer"),
    path("upward/<id:pk>/results/", views.upward_results, name="upward-results"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/<id:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<id:pk>/close/", views.campaign_close, name="campaign-close"),
    path("campaigns/<id:pk>/export.<slug:fmt>", views.campaign_export, name="campaign-export"),
    path("entities/<id:entity_id>/launch/", views.campaign_launch, name="campaign-launch"),
    path("documents/<id:pk>/colleagues/", views.colleagues, name="colleagues"),
    path("requests/<id:pk>/", views.colleague_request, name="colleague-request"),
    path("recognition/", views.recognition, name="recognition"),
    path("recognition/counts/", views.recognition_counts, name="recognition-counts"),
    path("recognition/<id:pk>/attach/", views.recognition_attach, name="recognition-attach"),
    path("recognition/<id:pk>/withdraw/", views.recognition_withdraw, name="recognition-withdraw"),
]
