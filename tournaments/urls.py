"""Tournament routes (docs/architecture.md, "Where the contracts are"): the create page
under a server's settings, and everything of one tournament under /t/<slug>."""

from django.urls import path

from tournaments import views

app_name = "tournaments"
urlpatterns = [
    path("dashboard/guilds/<str:guild_id>/tournaments/new/", views.create, name="create"),
    path("t/<slug:slug>/", views.public, name="public"),
    path("t/<slug:slug>.json", views.public_json, name="json"),
    path("t/<slug:slug>/join/", views.player, {"action": "join"}, name="join"),
    path("t/<slug:slug>/leave/", views.player, {"action": "leave"}, name="leave"),
    path("t/<slug:slug>/check-in/", views.player, {"action": "check_in"}, name="check_in"),
    path("t/<slug:slug>/manage/", views.manage, name="manage"),
    path("t/<slug:slug>/edit/", views.edit, name="edit"),
    path("t/<slug:slug>/matches/<int:match_id>/", views.match, name="match"),
]
