"""JSON objects in the shapes Discord's documentation gives, built from the simulator's state."""

from __future__ import annotations

from typing import Any

from discordsim import access, permissions, snowflake
from discordsim.state import Guild, State, Thread, User, iso

# Resources > Guild > Guild Member Object: flags, pending and timeouts as a fresh member has them.
_MEMBER_DEFAULTS: dict[str, Any] = {
    "nick": None,
    "avatar": None,
    "banner": None,
    "premium_since": None,
    "deaf": False,
    "mute": False,
    "flags": 0,
    "pending": False,
    "communication_disabled_until": None,
    "unusual_dm_activity_until": None,
}


def user_object(user: User, *, private: bool = False, email: bool = False) -> dict[str, Any]:
    """Resources > User > User Object; private adds the fields only the person themselves sees."""
    data: dict[str, Any] = {
        "id": user.id,
        "username": user.username,
        "avatar": user.avatar,
        "discriminator": user.discriminator,
        "public_flags": user.public_flags,
        "flags": user.public_flags,
        "banner": user.banner,
        "accent_color": user.accent_color,
        "global_name": user.global_name,
        "avatar_decoration_data": None,
        "collectibles": None,
        "banner_color": None,
        "clan": None,
        "primary_guild": None,
    }
    if user.bot:
        data["bot"] = True
    if private:
        data["mfa_enabled"] = user.mfa_enabled
        data["locale"] = user.locale
        data["premium_type"] = user.premium_type
        if user.bot:
            data["verified"] = True
            data["email"] = None
    if email:
        data["email"] = user.email
        data["verified"] = user.email is not None
    return data


def partial_guild(guild: Guild, value: int, *, owner: bool, counts: bool) -> dict[str, Any]:
    """Resources > User > Get Current User Guilds: permissions is a decimal string."""
    data: dict[str, Any] = {
        "id": guild.id,
        "name": guild.name,
        "icon": guild.icon,
        "banner": guild.banner,
        "owner": owner,
        "permissions": str(value),
        "features": list(guild.features),
    }
    if counts:
        data["approximate_member_count"] = guild.member_count
        data["approximate_presence_count"] = guild.presence_count
    return data


def _role(role_id: str, name: str, value: int, position: int) -> dict[str, Any]:
    """Topics > Permissions > Role Object."""
    return {
        "id": role_id,
        "name": name,
        "description": None,
        "permissions": str(value),
        "position": position,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }


def _role_name(value: int) -> str:
    if value & permissions.ADMINISTRATOR:
        return "Admin"
    if value & permissions.MANAGE_GUILD:
        return "Moderator"
    return "Regular"


def role_objects(state: State, guild: Guild) -> list[dict[str, Any]]:
    """@everyone (its id is the server's), the members' roles and, while the bot is in, its
    managed role."""
    roles = [_role(guild.id, "@everyone", permissions.EVERYONE, 0)]
    for position, (value, role_id) in enumerate(access.member_roles(state, guild).items(), start=1):
        roles.append(_role(role_id, _role_name(value), value, position))
    if guild.bot_present:
        roles.append(
            {
                "id": guild.bot_role_id,
                "name": state.bot.username,
                "description": None,
                "permissions": str(guild.bot_permissions),
                "position": len(roles),
                "color": 0,
                "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
                "hoist": False,
                "managed": True,
                "mentionable": False,
                "icon": None,
                "unicode_emoji": None,
                "flags": 0,
                "tags": {"bot_id": state.bot.id},
            }
        )
    return roles


def channel_object(guild: Guild, channel: dict[str, Any]) -> dict[str, Any]:
    """Resources > Channel > Channel Object for a server channel."""
    return {
        "id": channel["id"],
        "type": channel["type"],
        "guild_id": guild.id,
        "name": channel["name"],
        "position": channel["position"],
        "permission_overwrites": [dict(item) for item in channel.get("permission_overwrites", [])],
        "parent_id": channel["parent_id"],
        "topic": channel["topic"],
        "nsfw": channel["nsfw"],
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def thread_member(thread: Thread, user_id: str, *, ids: bool = True) -> dict[str, Any]:
    """Resources > Channel > Thread Member Object (GUILD_CREATE leaves out the two ids)."""
    data: dict[str, Any] = {"join_timestamp": iso(thread.members[user_id]), "flags": 0}
    if ids:
        data = {"id": thread.id, "user_id": user_id, **data}
    return data


def thread_object(
    thread: Thread, *, me: str | None = None, member_ids: bool = True
) -> dict[str, Any]:
    """Resources > Channel > Channel Object for a thread (Example Thread Channel), with the
    `member` object of `me` when that user is in it."""
    metadata: dict[str, Any] = {
        "archived": thread.archived,
        "auto_archive_duration": thread.auto_archive_duration,
        "archive_timestamp": iso(thread.archive_timestamp),
        "locked": thread.locked,
        "create_timestamp": iso(thread.created_at),
    }
    if thread.private:
        metadata["invitable"] = thread.invitable
    data: dict[str, Any] = {
        "id": thread.id,
        "type": thread.type,
        "guild_id": thread.guild_id,
        "parent_id": thread.parent_id,
        "owner_id": thread.owner_id,
        "name": thread.name,
        "last_message_id": thread.last_message_id,
        "message_count": thread.message_count,
        "member_count": min(len(thread.members), 50),
        "rate_limit_per_user": thread.rate_limit_per_user,
        "flags": 0,
        "total_message_sent": thread.total_message_sent,
        "thread_metadata": metadata,
    }
    if me is not None and me in thread.members:
        data["member"] = thread_member(thread, me, ids=member_ids)
    return data


def thread_deleted(thread: Thread) -> dict[str, Any]:
    """Events > Gateway Events > Thread Delete: just the id, guild_id, parent_id and type."""
    return {
        "id": thread.id,
        "guild_id": thread.guild_id,
        "parent_id": thread.parent_id,
        "type": thread.type,
    }


def guild_object(state: State, guild: Guild) -> dict[str, Any]:
    """Resources > Guild > Guild Object, as in GUILD_UPDATE and the token response's `guild`."""
    text_channels = [channel for channel in guild.channels if channel["type"] == 0]
    return {
        "id": guild.id,
        "name": guild.name,
        "icon": guild.icon,
        "icon_hash": guild.icon,
        "splash": None,
        "discovery_splash": None,
        "owner_id": guild.owner_id,
        "afk_channel_id": None,
        "afk_timeout": 300,
        "widget_enabled": False,
        "widget_channel_id": None,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 2,
        "roles": role_objects(state, guild),
        "emojis": [],
        "features": list(guild.features),
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": text_channels[0]["id"] if text_channels else None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "max_presences": None,
        "max_members": 500000,
        "vanity_url_code": None,
        "description": guild.description,
        "banner": guild.banner,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": guild.preferred_locale,
        "public_updates_channel_id": None,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": False,
        "safety_alerts_channel_id": None,
        "incidents_data": None,
        "hub_type": None,
        "latest_onboarding_question_id": None,
    }


def bot_member(state: State, guild: Guild) -> dict[str, Any]:
    return {
        **_MEMBER_DEFAULTS,
        "user": user_object(state.bot),
        "roles": [guild.bot_role_id],
        "joined_at": iso(guild.bot_joined_at),
    }


def member_object(state: State, guild: Guild, user: User) -> dict[str, Any]:
    """A person's guild member object; they joined a little after the server was made."""
    created = snowflake.timestamp_ms(guild.id) / 1000
    joined = created if user.id == guild.owner_id else max(created, guild.bot_joined_at - 3600)
    value = state.members[guild.id].get(user.id, permissions.EVERYONE)
    role = access.member_roles(state, guild).get(value) if user.id != guild.owner_id else None
    roles = [role] if role else []
    return {**_MEMBER_DEFAULTS, "user": user_object(user), "roles": roles, "joined_at": iso(joined)}


def any_member(state: State, guild: Guild, user_id: str) -> dict[str, Any] | None:
    """The guild member object of the bot or of a person in the server, else None."""
    if user_id == state.bot.id:
        return bot_member(state, guild)
    if user_id in state.members[guild.id] and user_id in state.users:
        return member_object(state, guild, state.users[user_id])
    return None


def guild_create(state: State, guild: Guild, *, join: bool) -> dict[str, Any]:
    """Events > Gateway Events > Guild Create: the guild object plus the extra fields.

    A server becoming available (after READY or an outage) carries "unavailable": false; a join
    after READY carries no "unavailable" key, which is how libraries tell the two apart.
    """
    data = guild_object(state, guild)
    # Only the active threads the bot can see (Events > Gateway Events > Guild Create).
    active_threads = [
        thread
        for thread in state.guild_threads(guild.id)
        if not thread.archived
        and access.permissions_in(state, guild, thread, state.bot.id) & access.VIEW_CHANNEL
    ]
    data.update(
        {
            "joined_at": iso(guild.bot_joined_at),
            "large": guild.member_count > 250,
            "member_count": guild.member_count,
            "voice_states": [],
            "members": [bot_member(state, guild)],
            "channels": [
                {
                    key: value
                    for key, value in channel_object(guild, channel).items()
                    if key != "guild_id"
                }
                for channel in guild.channels
            ],
            "threads": [
                thread_object(thread, me=state.bot.id, member_ids=False)
                for thread in active_threads
            ],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }
    )
    if not join:
        data["unavailable"] = False
    return data


def application_object(state: State) -> dict[str, Any]:
    """Resources > Application > Application Object, as GET /applications/@me and
    /oauth2/applications/@me return it."""
    app = state.application
    owner = state.users.get(app.owner_id) if app.owner_id else None
    return {
        "id": app.id,
        "name": app.name,
        "icon": app.icon,
        "description": app.description,
        "summary": "",
        "type": None,
        "is_monetized": False,
        "is_verified": False,
        "is_discoverable": False,
        "hook": True,
        "bot_public": app.bot_public,
        "bot_require_code_grant": app.bot_require_code_grant,
        "verify_key": app.verify_key,
        "owner": user_object(owner) if owner else user_object(state.bot),
        "team": None,
        "flags": app.flags,
        "flags_new": str(app.flags),
        "redirect_uris": list(app.redirect_uris),
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "tags": [],
        "approximate_guild_count": len(state.bot_guild_ids()),
        "approximate_user_install_count": 0,
        "approximate_user_authorization_count": len(state.authorizations),
        "bot": user_object(state.bot),
        "install_params": None,
        "integration_types_config": {"0": {}, "1": {}},
        "rpc_origins": [],
    }
