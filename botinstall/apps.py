from django.apps import AppConfig


class BotinstallConfig(AppConfig):
    name = "botinstall"
    verbose_name = "Bot installation"
