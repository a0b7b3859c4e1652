"""The bot's languages become the ones FightRise speaks (settings.LANGUAGES). A server on
Portuguese moves to Brazilian Portuguese, the only Portuguese Discord has; a server on a
language no longer offered moves to English, and keeps its choice in dropped_locale, so that
the settings page says FightRise speaks English there because that language is not offered
yet, not that someone chose English. Each move is logged."""

import logging

from django.db import migrations, models

logger = logging.getLogger("guildbot.migrations")

RENAMED = {"pt": "pt-br"}
DROPPED = {"it", "ko", "nl", "pl", "ru", "tr", "zh"}


def move_to_offered(apps, schema_editor):
    GuildConfig = apps.get_model("guildbot", "GuildConfig")
    for old, new in RENAMED.items():
        for guild_id in GuildConfig.objects.filter(locale=old).values_list("guild_id", flat=True):
            logger.info("Server %s: language %s is now %s", guild_id, old, new)
        GuildConfig.objects.filter(locale=old).update(locale=new)
    for config in GuildConfig.objects.filter(locale__in=DROPPED).only("guild_id", "locale"):
        logger.warning(
            "Server %s: language %s is not offered, so the bot speaks English there until "
            "someone chooses another language on its settings page",
            config.guild_id,
            config.locale,
        )
    GuildConfig.objects.filter(locale__in=DROPPED).update(
        dropped_locale=models.F("locale"), locale="en"
    )


def move_back(apps, schema_editor):
    GuildConfig = apps.get_model("guildbot", "GuildConfig")
    for old, new in RENAMED.items():
        GuildConfig.objects.filter(locale=new).update(locale=old)
    GuildConfig.objects.filter(locale="en").exclude(dropped_locale="").update(
        locale=models.F("dropped_locale")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("guildbot", "0003_remove_command_prefix"),
    ]

    operations = [
        migrations.AddField(
            model_name="guildconfig",
            name="dropped_locale",
            field=models.CharField(blank=True, editable=False, max_length=8),
        ),
        migrations.RunPython(move_to_offered, move_back),
        migrations.AlterField(
            model_name="guildconfig",
            name="locale",
            field=models.CharField(
                choices=[
                    ("en", "English"),
                    ("de", "Deutsch"),
                    ("es", "Español"),
                    ("fr", "Français"),
                    ("ja", "日本語"),
                    ("pt-br", "Português (Brasil)"),
                ],
                default="en",
                max_length=8,
            ),
        ),
    ]
