"""Admin for people; staff accounts log in here with a password."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = (
        "username",
        "display_name",
        "discord_username",
        "discord_id",
        "is_staff",
        "last_login",
    )
    search_fields = ("username", "display_name", "discord_username", "discord_id")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            "Discord",
            {
                "fields": (
                    "discord_id",
                    "discord_username",
                    "display_name",
                    "avatar_hash",
                    "discriminator",
                )
            },
        ),
    )
    readonly_fields = ("discord_id", "discord_username", "avatar_hash", "discriminator")
