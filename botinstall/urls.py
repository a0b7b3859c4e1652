from django.urls import path

from botinstall import views

app_name = "botinstall"
urlpatterns = [
    path("auth/error/", views.error, name="error"),
]
