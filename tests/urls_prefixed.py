"""The project's URLs under /prefixed/ (tests/test_kept_tags.py: a changed URLconf)."""

from django.urls import include, path

urlpatterns = [path("prefixed/", include("pmsystem.urls"))]
