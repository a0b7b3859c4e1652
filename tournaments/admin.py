"""Admin for tournaments, entrants, matches and the outbox: staff read them; the bracket's
fields are read-only, since only tournaments.operations keeps them consistent with one
another, and the outbox's rows move only with the operations and the bot."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import F

from tournaments.models import Entrant, Match, Post, Tournament


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows made by the site, never by hand; only `editable` (display text) may change,
    and changing it bumps the tournament's version so its pages show it."""

    editable: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in self.editable]

    def has_add_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        tournament_id = obj.pk if isinstance(obj, Tournament) else obj.tournament_id
        Tournament.objects.filter(pk=tournament_id).update(version=F("version") + 1)


class EntrantInline(admin.TabularInline):
    model = Entrant
    fields = ("seed", "name", "discord_id", "checked_in", "disqualified", "placement")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Tournament)
class TournamentAdmin(ReadOnlyAdmin):
    editable = ("name", "game")
    list_display = ("name", "guild", "state", "format", "best_of", "starts_at", "max_entrants")
    list_filter = ("state", "format", "best_of")
    search_fields = ("name", "slug", "game", "guild__name", "=guild__guild_id")
    list_select_related = ("guild",)
    date_hierarchy = "starts_at"
    inlines = [EntrantInline]

    def get_deleted_objects(self, objs, request):
        # Entrants and matches go with their tournament, though never alone.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, perms_needed - {"entrant", "match"}, protected


@admin.register(Entrant)
class EntrantAdmin(ReadOnlyAdmin):
    editable = ("name",)
    list_display = ("name", "tournament", "seed", "discord_id", "checked_in", "disqualified")
    list_filter = ("checked_in", "disqualified", "tournament__state")
    search_fields = ("name", "=discord_id", "tournament__name", "tournament__slug")
    list_select_related = ("tournament",)

    def has_delete_permission(self, request, obj=None):
        return False  # before the start the organiser removes entrants; after, disqualifies


@admin.register(Match)
class MatchAdmin(ReadOnlyAdmin):
    list_display = (
        "identifier",
        "tournament",
        "side",
        "round",
        "state",
        "player_1",
        "score_1",
        "score_2",
        "player_2",
        "winner",
    )
    list_filter = ("state", "side", "forfeit")
    search_fields = ("tournament__name", "tournament__slug", "=identifier")
    list_select_related = ("tournament", "player_1", "player_2", "winner")

    def has_delete_permission(self, request, obj=None):
        return False  # a bracket with a match missing is no bracket


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    """The outbox, for staff to see what the bot has sent and what waits: rows are written
    by the operations and advanced only by the bot (the organiser's Retry resumes them)."""

    list_display = ("id", "tournament", "kind", "state", "attempts", "problem", "created_at")
    list_filter = ("state", "kind", "problem")
    list_select_related = ("tournament",)
    search_fields = ("tournament__name", "=tournament__slug", "=guild_id")
