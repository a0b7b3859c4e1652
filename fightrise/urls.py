"""Top-level routes. The paths are a contract (docs/architecture.md, "Routes"): Discord's
portal, bookmarks and the tests depend on them."""

from django.contrib import admin
from django.urls import include, path

from fightrise import views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("healthz", views.healthz, name="healthz"),
    path("auth/", include("accounts.urls")),
    path("", include("botinstall.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("", include("tournaments.urls")),
    path("admin/", admin.site.urls),
]
