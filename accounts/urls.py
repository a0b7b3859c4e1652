from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login, name="login"),
    path("callback/", views.callback, name="callback"),
    path("logout/", views.logout, name="logout"),
    path("success/", views.success, name="success"),
    path("error/", views.error, name="error"),
    path("language/", views.language, name="language"),
]
