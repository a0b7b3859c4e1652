"""Top-level routes; the exact paths are fixed by the design (docs in README)."""

from django.contrib import admin
from django.urls import path

from fightrise import views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
