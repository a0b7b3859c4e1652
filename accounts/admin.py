"""Admin: people, and their sessions (read-only, tokens never shown, an action to end them)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone

from accounts import grants
from accounts.models import OAuthState, Session, User

SESSION_FIELDS = (
    "user",
    "discord_id",
    "created_at",
    "last_seen",
    "expire_date",
    "ip_address",
    "user_agent",
    "server_count",
    "guilds_fetched_at",
    "token_expires_at",
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "discord_username", "discord_id", "is_staff")
    search_fields = ("username", "display_name", "discord_username", "discord_id")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            "Discord",
            {"fields": ("discord_id", "discord_username", "avatar_hash", "discriminator")},
        ),
    )
    readonly_fields = ("discord_id", "discord_username", "avatar_hash", "discriminator")


class ActiveFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return (("active", "Active"), ("expired", "Expired"))

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(expire_date__gt=timezone.now())
        if self.value() == "expired":
            return queryset.filter(expire_date__lte=timezone.now())
        return queryset


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "discord_id",
        "created_at",
        "last_seen",
        "expire_date",
        "ip_address",
        "short_user_agent",
        "server_count",
    )
    list_filter = (ActiveFilter,)
    search_fields = (
        "user__discord_username",
        "user__username",
        "user__display_name",
        "=user__discord_id",
    )
    list_select_related = ("user",)
    ordering = ("-last_seen",)
    # The tokens and the raw session data are never read here, not even encrypted.
    fields = SESSION_FIELDS
    readonly_fields = SESSION_FIELDS
    actions = ("end_sessions",)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("session_data", "access_token", "refresh_token")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a plain delete would not revoke at Discord: use the action

    def has_end_permission(self, request) -> bool:
        return request.user.has_perm("accounts.delete_session")

    @admin.display(description="Discord id", ordering="user__discord_id")
    def discord_id(self, session: Session):
        return session.user.discord_id if session.user else None

    @admin.display(description="servers")
    def server_count(self, session: Session) -> int:
        return len(session.guilds or ())

    @admin.display(description="user agent")
    def short_user_agent(self, session: Session) -> str:
        agent = session.user_agent
        return agent if len(agent) <= 60 else f"{agent[:57]}..."

    @admin.action(
        description="End selected sessions (and revoke the Discord grants no session still uses)",
        permissions=["end"],
    )
    def end_sessions(self, request, queryset):
        ended = grants.end_sessions(queryset)
        self.message_user(request, f"Ended {ended} session(s).", messages.SUCCESS)


@admin.register(OAuthState)
class OAuthStateAdmin(admin.ModelAdmin):
    list_display = ("short_state", "purpose", "created_at", "expires_at")
    list_filter = ("purpose",)
    fields = ("purpose", "next_path", "created_at", "expires_at")
    readonly_fields = fields
    ordering = ("-created_at",)

    @admin.display(description="state")
    def short_state(self, state: OAuthState) -> str:
        return f"{state.state[:8]}..."

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
