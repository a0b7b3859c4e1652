# Sessions get a numeric primary key, so that the session key (the cookie's value) never
# appears in admin URLs or forms, and a refresh lease column. Sessions are disposable: the
# table is recreated, and everyone signed in logs in once more.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import accounts.crypto


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_oauth_state_data"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.DeleteModel(name="Session"),
        migrations.CreateModel(
            name="Session",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                (
                    "session_key",
                    models.CharField(max_length=40, unique=True, verbose_name="session key"),
                ),
                ("session_data", models.TextField(verbose_name="session data")),
                ("expire_date", models.DateTimeField(db_index=True, verbose_name="expire date")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("last_seen", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "ip_address",
                    models.GenericIPAddressField(blank=True, null=True, verbose_name="IP address"),
                ),
                ("user_agent", models.CharField(blank=True, max_length=512)),
                ("access_token", accounts.crypto.EncryptedTextField(blank=True)),
                ("refresh_token", accounts.crypto.EncryptedTextField(blank=True)),
                ("token_expires_at", models.DateTimeField(blank=True, null=True)),
                ("guilds", models.JSONField(blank=True, default=list)),
                ("guilds_fetched_at", models.DateTimeField(blank=True, null=True)),
                ("guilds_stale", models.BooleanField(default=False)),
                ("token_refresh_until", models.DateTimeField(blank=True, null=True)),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sessions",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "session",
                "verbose_name_plural": "sessions",
                "db_table": "accounts_session",
                "abstract": False,
                "indexes": [
                    models.Index(
                        fields=["user", "expire_date"], name="accounts_se_user_id_74c569_idx"
                    )
                ],
            },
        ),
    ]
