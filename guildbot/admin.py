"""Admin for the servers the bot is in and their settings."""

from django.contrib import admin

from guildbot.models import Guild, GuildConfig, ShardHeartbeat


@admin.register(Guild)
class GuildAdmin(admin.ModelAdmin):
    list_display = ("name", "guild_id", "present", "member_count", "joined_at", "left_at")
    list_filter = ("present",)
    search_fields = ("name", "=guild_id", "=owner_id")
    # The gateway is the source of truth for these rows; staff read them.
    readonly_fields = [field.name for field in Guild._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(GuildConfig)
class GuildConfigAdmin(admin.ModelAdmin):
    list_display = (
        "guild",
        "announcement_channel_id",
        "match_channel_id",
        "locale",
        "timezone",
    )
    search_fields = ("guild__name", "=guild__guild_id")
    list_select_related = ("guild",)
    raw_id_fields = ("guild",)


@admin.register(ShardHeartbeat)
class ShardHeartbeatAdmin(admin.ModelAdmin):
    list_display = ("shard_id", "shard_count", "seen_at")
    readonly_fields = ("shard_id", "shard_count", "seen_at")

    def has_add_permission(self, request):
        return False
