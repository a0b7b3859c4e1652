from django.urls import path

from botinstall import views

app_name = "botinstall"
urlpatterns = [
    path("bot/install/", views.install, name="install"),
    path("bot/install/status/", views.status, name="status"),
    path("auth/callback/bot/", views.callback, name="callback"),
]
