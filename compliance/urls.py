from django.urls import path

from . import views

home_urlpatterns = [path("", views.home, name="home")]

app_name = "compliance"

urlpatterns = [
    path("", views.compliance_dashboard, name="dashboard"),
    path("people/", views.compliance_people, name="people"),
    path("export/<slug:table>.<slug:fmt>", views.compliance_export, name="export"),
]
