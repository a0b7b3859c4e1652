"""Who may do what on a tournament's pages, decided on the person's Discord server list.

Organising (create, manage, results) is for whoever may manage the server (owner,
Administrator, Manage Server) on a list Discord has just confirmed, and only where the bot
is; everyone else gets 404. Joining, leaving and checking in are for members of the server,
on a confirmed list too. What a page merely shows (a Join button, a Manage link) is decided
on the stored list, without asking Discord.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _

from accounts import server_list
from accounts.decorators import discord_login_required
from fightrise.snowflake import parse_discord_id
from guildbot.models import Guild
from tournaments.models import Entrant, Tournament
from tournaments.operations import Refused

UNCONFIRMED_MANAGER = _(
    "We could not confirm with Discord that you still manage that server. "
    "Please try again in a minute."
)
UNCONFIRMED_MEMBER = _(
    "We could not confirm with Discord that you are in this tournament's server. "
    "Please try again in a minute."
)


def managed_guild(request: HttpRequest, guild_id: str) -> Guild | None:
    """The present Guild `guild_id` when this person may manage it; None when Discord could
    not confirm their list (say so and send them back); Http404 for everyone else."""
    snowflake = parse_discord_id(guild_id)
    if snowflake is None:
        raise Http404("No such server")
    guilds = server_list.confirmed_guilds(request)
    if guilds is None:
        messages.warning(request, UNCONFIRMED_MANAGER)
        return None
    guild = Guild.objects.present().filter(guild_id=snowflake).first()
    if guild is None or server_list.managed_guild(guilds, snowflake) is None:
        raise Http404("No such server")
    return guild


def organiser_only(view):
    """A view of /t/<slug>/manage/ and below, called as view(request, tournament, ...) for
    people who may manage the tournament's server; 404 for everyone else (and for a server
    the bot has left), the public page with a warning when Discord cannot confirm."""

    @discord_login_required
    @functools.wraps(view)
    def wrapper(request, slug: str, *args, **kwargs):
        tournament = get_object_or_404(Tournament.objects.public(), slug=slug)
        guilds = server_list.confirmed_guilds(request)
        if guilds is None:
            messages.warning(request, UNCONFIRMED_MANAGER)
            return redirect("tournaments:public", slug=tournament.slug)
        if not tournament.guild.present or not server_list.managed_guild(
            guilds, tournament.guild_id
        ):
            raise Http404("No such tournament")
        return view(request, tournament, *args, **kwargs)

    return wrapper


def confirm_member(request: HttpRequest, tournament: Tournament) -> None:
    """Refused unless the signed-in person is in the tournament's server, as Discord says now."""
    guilds = server_list.confirmed_guilds(request)
    if guilds is None:
        raise Refused(UNCONFIRMED_MEMBER)
    if server_list.find_guild(guilds, tournament.guild_id) is None:
        raise Refused(
            _("Only members of %(server)s can enter %(name)s."),
            server=tournament.guild.name,
            name=tournament.name,
        )


@dataclass(frozen=True)
class Viewer:
    """Who is looking at a public page, for its buttons: from the stored server list."""

    signed_in: bool = False
    member: bool = False
    manager: bool = False
    entrant: Entrant | None = None

    @classmethod
    def of(cls, request: HttpRequest, tournament: Tournament) -> Viewer:
        user = request.user
        if not (user.is_authenticated and user.discord_id):
            return cls()
        guilds = server_list.current(request).guilds
        return cls(
            signed_in=True,
            member=server_list.find_guild(guilds, tournament.guild_id) is not None,
            manager=server_list.managed_guild(guilds, tournament.guild_id) is not None,
            entrant=tournament.entrants.filter(discord_id=user.discord_id).first(),
        )
