from django.urls import path

from . import views

home_urlpatterns = [path("", views.home, name="home")]
