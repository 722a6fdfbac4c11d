from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from compliance.urls import home_urlpatterns
from pmsystem import views as pmsystem_views

admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = _("pmsystem administration")
admin.site.site_title = "pmsystem"

urlpatterns = [
    *home_urlpatterns,
    path("org/", include("org.urls")),
    path("workplans/", include("workplans.urls")),
    path("appraisals/", include("appraisals.urls")),
    path("rebuttals/", include("rebuttals.urls")),
    path("feedback/", include("feedback.urls")),
    path("standards/", include("standards.urls")),
    path("training/", include("training.urls")),
    path("schedules/", include("schedules.urls")),
    path("board/", include("board.urls")),
    path("compliance/", include("compliance.urls")),
    path("drafts/<id:pk>/<slug:form>/", pmsystem_views.draft, name="draft"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
