from django.apps import AppConfig


class GuildbotConfig(AppConfig):
    name = "guildbot"
    verbose_name = "Bot servers"
