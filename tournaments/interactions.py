"""What players and organisers do in Discord: the buttons (Join, Leave, Check in, Confirm,
Dispute), /report and /tournament. Each handler is thin: it finds the tournament or match
from the custom_id or the server, calls the operation (tournaments.operations holds every
rule), and answers within Discord's 3 seconds, ephemerally to the one person, deferring
first when the work runs long.

The buttons are one discord.py DynamicItem whose custom_id carries the action and the ids
(`fr:join:<tournament>`, `fr:confirm:<match>:<report version>`), so a press finds its
tournament or match after any restart, with nothing kept in memory per message.

Languages: a reply only the person sees (every reply, and every refusal) is in the language of
their Discord client (`interaction.locale`, through fightrise.languages.for_discord); what
the server sees (Confirm and Dispute edit the report's prompt in the match's thread) is in
the server's language, as the bot's posts are.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable

import discord
from discord.utils import escape_markdown
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

from guildbot.commands import NOT_IN_SERVER, manages_server, persons_language, reply, server_of
from guildbot.models import GuildConfig
from tournaments import operations, posts
from tournaments.delivery import db
from tournaments.models import Match, Tournament
from tournaments.operations import Refused

logger = logging.getLogger(__name__)

# Discord waits 3 s for the first answer; past this, defer first and answer after.
DEFER_AFTER = 2.0
SORRY = _("Something went wrong on FightRise's side; it has been logged. Please try again.")
ORGANISERS_ONLY = _("Only members with the Manage Server permission can run tournaments here.")
LISTED = 10


def nudge(client: discord.Client) -> None:
    """The operation wrote posts: send them now rather than at the next poll."""
    cog = client.get_cog("Tournaments")
    delivery = getattr(cog, "delivery", None)
    if delivery is not None:
        delivery.nudge()


def in_language(work: Callable[[], str], language: str) -> Callable[[], tuple[str, bool]]:
    """`work` run in `language`: its words, or its refusal's, as text, and whether it was
    refused."""

    def run() -> tuple[str, bool]:
        with translation.override(language):
            try:
                return str(work()), False
            except Refused as exc:
                # A time in a refusal, as in a post: a Discord timestamp.
                return exc.say(time=lambda value: posts.stamp(value, "F")), True

    return run


def in_the_servers_language(guild_id: int | None, say: Callable[[], str]) -> str:
    """Words the server sees (not only the person who pressed), in its settings' language."""
    with translation.override(GuildConfig.objects.language(guild_id)):
        return say()


async def answer(
    interaction: discord.Interaction,
    work: Callable[[], str],
    *,
    update: bool = False,
    writes: bool = True,
) -> None:
    """Run `work` (sync, database) in the person's language and answer with its words:
    ephemerally, or with `update` by editing the message whose button was pressed (its
    buttons removed; such words are the server's, in its language). A refusal is always an
    ephemeral reply to the one person. Work that `writes` may have posts for Discord: the
    delivery is nudged to look at once; a read (a list, a link) nudges nothing."""
    language = persons_language(interaction)
    task = asyncio.ensure_future(db(in_language(work, language))())
    done, _pending = await asyncio.wait({task}, timeout=DEFER_AFTER)
    deferred = not done
    if deferred:
        if update:
            await interaction.response.defer()
        else:
            await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        words, refused = await task
    except Exception:
        logger.exception("Interaction %s failed", interaction.id)
        with translation.override(language):
            words, refused = str(SORRY), True
    quiet = {"allowed_mentions": discord.AllowedMentions.none()}
    if update and not refused:
        if deferred:
            await interaction.edit_original_response(content=words, view=None, **quiet)
        else:
            await interaction.response.edit_message(content=words, view=None, **quiet)
    elif deferred:
        await interaction.followup.send(words, ephemeral=True, **quiet)
    else:
        await interaction.response.send_message(words, ephemeral=True, **quiet)
    if writes and not refused:
        nudge(interaction.client)


def bold(text: str) -> str:
    return f"**{escape_markdown(text)}**"


# The buttons


def _tournament(interaction: discord.Interaction, tournament_id: int) -> Tournament:
    tournament = Tournament.objects.filter(pk=tournament_id, guild_id=interaction.guild_id).first()
    if tournament is None:
        raise Refused(_("That tournament no longer exists."))
    return tournament


def _match(interaction: discord.Interaction, match_id: int) -> Match:
    match = (
        Match.objects.select_related("tournament")
        .filter(pk=match_id, tournament__guild_id=interaction.guild_id)
        .first()
    )
    if match is None:
        raise Refused(_("That match no longer exists."))
    return match


def join(interaction: discord.Interaction, tournament_id: int) -> Callable[[], str]:
    person = interaction.user

    def work() -> str:
        tournament = _tournament(interaction, tournament_id)
        user = get_user_model().objects.filter(discord_id=person.id).first()
        entrant = operations.join(
            tournament, discord_id=person.id, name=person.display_name, user=user
        )
        words = {"name": bold(tournament.name), "seed": entrant.seed}
        if entrant.checked_in:
            return (
                gettext("You are in %(name)s, seed %(seed)s, and checked in too. See you there!")
                % words
            )
        return gettext("You are in %(name)s, seed %(seed)s. See you there!") % words

    return work


def leave(interaction: discord.Interaction, tournament_id: int) -> Callable[[], str]:
    def work() -> str:
        tournament = _tournament(interaction, tournament_id)
        operations.leave(tournament, discord_id=interaction.user.id)
        return gettext("You have left %(name)s.") % {"name": bold(tournament.name)}

    return work


def check_in(interaction: discord.Interaction, tournament_id: int) -> Callable[[], str]:
    def work() -> str:
        tournament = _tournament(interaction, tournament_id)
        operations.check_in(tournament, discord_id=interaction.user.id)
        return gettext("You are checked in for %(name)s.") % {"name": bold(tournament.name)}

    return work


def confirm(interaction: discord.Interaction, match_id: int, version: int) -> Callable[[], str]:
    person = interaction.user

    def work() -> str:
        match = _match(interaction, match_id)
        played = operations.confirm(
            match.tournament, match_id, discord_id=person.id, version=version
        )

        def say() -> str:
            words = {
                "who": bold(person.display_name),
                "result": escape_markdown(operations.scoreline(played.match)),
            }
            if played.complete and played.champion:
                words["champion"] = bold(played.champion.name)
                words["name"] = bold(match.tournament.name)
                return "✅ " + (
                    gettext("%(who)s confirmed: %(result)s. %(champion)s wins %(name)s!") % words
                )
            return "✅ " + gettext("%(who)s confirmed: %(result)s.") % words

        # It replaces the prompt in the match's thread, for everyone there.
        return in_the_servers_language(match.tournament.guild_id, say)

    return work


def dispute(interaction: discord.Interaction, match_id: int, version: int) -> Callable[[], str]:
    person = interaction.user

    def work() -> str:
        match = _match(interaction, match_id)
        operations.dispute(match.tournament, match_id, discord_id=person.id, version=version)
        return in_the_servers_language(
            match.tournament.guild_id,
            lambda: (
                "⚠️ "
                + gettext("%(who)s disputes this report: the organiser settles it.")
                % {"who": bold(person.display_name)}
            ),
        )

    return work


# Which handler, and whether it answers by editing the pressed message.
ACTIONS = {
    posts.JOIN: (join, False),
    posts.LEAVE: (leave, False),
    posts.CHECK_IN: (check_in, False),
    posts.CONFIRM: (confirm, True),
    posts.DISPUTE: (dispute, True),
}


class PressButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"(?P<action>fr:[a-z-]+):(?P<ids>[0-9]+(?::[0-9]+)*)",
):
    """Every button the bot posts: the custom_id says what to do and to what."""

    def __init__(self, button: discord.ui.Button, action: str, ids: list[int]) -> None:
        super().__init__(button)
        self.action, self.ids = action, ids

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> PressButton:
        return cls(item, match["action"], [int(part) for part in match["ids"].split(":")])

    async def callback(self, interaction: discord.Interaction) -> None:
        handler = ACTIONS.get(self.action)
        if handler is None or interaction.guild_id is None:
            await reply(interaction, SORRY)
            return
        make, update = handler
        try:
            work = make(interaction, *self.ids)
        except TypeError:  # a custom_id with the wrong number of ids: not one we made
            await reply(interaction, SORRY)
            return
        await answer(interaction, work, update=update)


def button_item(button: posts.Button) -> discord.ui.Item:
    """A post's button as discord.py sends it."""
    if button.url:
        return discord.ui.Button(label=button.label, style=discord.ButtonStyle.link, url=button.url)
    item = discord.ui.Button(
        label=button.label, style=discord.ButtonStyle[button.style], custom_id=button.custom_id
    )
    parts = button.custom_id.split(":")
    return PressButton(item, ":".join(parts[:2]), [int(part) for part in parts[2:]])


# /report


def report(interaction: discord.Interaction, score: str) -> Callable[[], str]:
    person = interaction.user

    def work() -> str:
        mine, theirs = operations.parse_score(score)
        match = operations.current_match(
            interaction.guild_id, person.id, channel_id=interaction.channel_id
        )
        reported = operations.report(
            match.tournament, match.pk, discord_id=person.id, mine=mine, theirs=theirs
        )
        words = {
            "opponent": bold(reported.opponent.name),
            "match": match.identifier,
            "score": f"{mine}-{theirs}",
        }
        if reported.played is not None:
            words["result"] = escape_markdown(operations.scoreline(reported.played.match))
            return gettext(
                "%(opponent)s reported the same: match %(match)s stands, %(result)s."
            ) % (words)
        if not reported.opponent.discord_id:
            return (
                gettext(
                    "You reported %(score)s for match %(match)s. %(opponent)s is not on "
                    "Discord: the organiser confirms it."
                )
                % words
            )
        return (
            gettext(
                "You reported %(score)s for match %(match)s. %(opponent)s is asked to confirm "
                "it in the match's thread."
            )
            % words
        )

    return work


# /tournament, for organisers


def _organiser(interaction: discord.Interaction) -> None:
    if server_of(interaction) is None:
        raise Refused(NOT_IN_SERVER)
    if not manages_server(interaction):
        raise Refused(ORGANISERS_ONLY)


def _line(tournament: Tournament) -> str:
    manage = posts.link("tournaments:manage", tournament)
    parts = [
        bold(tournament.name),
        str(tournament.current_state_label()),
        ngettext(
            "%(entrants)s of %(most)s entrant",
            "%(entrants)s of %(most)s entrants",
            tournament.max_entrants,
        )
        % {"entrants": tournament.entrant_count, "most": tournament.max_entrants},
        gettext("starts %(when)s") % {"when": posts.stamp(tournament.starts_at, "R")},
    ]
    return " · ".join(parts) + (f" · <{manage}>" if manage else "")


def list_tournaments(interaction: discord.Interaction) -> Callable[[], str]:
    def work() -> str:
        _organiser(interaction)
        finished = (Tournament.State.COMPLETE, Tournament.State.CANCELLED)
        listed = Tournament.objects.listing(interaction.guild_id)
        running = list(listed.exclude(state__in=finished)[:LISTED])
        done = list(listed.filter(state__in=finished)[:3])
        if not running and not done:
            return gettext(
                "This server has no tournaments yet: create one from the FightRise dashboard."
            )
        lines = [_line(t) for t in running] or [gettext("No tournament is open or underway.")]
        if done:
            lines += [gettext("Lately:"), *(_line(t) for t in done)]
        return "\n".join(lines)

    return work


def _chosen(interaction: discord.Interaction, name: str | None, *, states) -> Tournament:
    """The tournament `name` (its name or slug) among this server's in `states`, or the
    only one when no name is given."""
    candidates = Tournament.objects.filter(guild_id=interaction.guild_id, state__in=states)
    if name:
        candidates = candidates.filter(Q(name__iexact=name.strip()) | Q(slug=name.strip()))
    found = list(candidates.order_by("starts_at")[:LISTED])
    if len(found) == 1:
        return found[0]
    if not found:
        if name:
            raise Refused(_("No tournament here is named %(name)s."), name=bold(name))
        raise Refused(_("No tournament fits here."))
    raise Refused(
        _("Which one? Name it with the command's %(option)s option: %(names)s."),
        option=pgettext("slash option name", "name"),
        names=", ".join(bold(t.name) for t in found),
    )


def start(interaction: discord.Interaction, name: str | None) -> Callable[[], str]:
    def work() -> str:
        _organiser(interaction)
        tournament = _chosen(
            interaction, name, states=(Tournament.State.REGISTRATION, Tournament.State.CHECK_IN)
        )
        started = operations.start(tournament)
        count = len(started.entrants)
        words = {
            "name": bold(tournament.name),
            "entrants": count,
            "dropped": ", ".join(escape_markdown(e.name) for e in started.dropped),
        }
        if started.dropped:
            return (
                ngettext(
                    "%(name)s has started with %(entrants)s entrant: its first matches are being "
                    "called. Not checked in, so dropped: %(dropped)s",
                    "%(name)s has started with %(entrants)s entrants: its first matches are being "
                    "called. Not checked in, so dropped: %(dropped)s",
                    count,
                )
                % words
            )
        return (
            ngettext(
                "%(name)s has started with %(entrants)s entrant: its first matches are being "
                "called.",
                "%(name)s has started with %(entrants)s entrants: its first matches are being "
                "called.",
                count,
            )
            % words
        )

    return work


def manage(interaction: discord.Interaction, name: str | None) -> Callable[[], str]:
    def work() -> str:
        _organiser(interaction)
        tournament = _chosen(interaction, name, states=Tournament.State.values)
        url = posts.link("tournaments:manage", tournament)
        if not url:
            return gettext(
                "%(name)s is managed on the FightRise site, whose address this bot was not "
                "given (SITE_URL)."
            ) % {"name": bold(tournament.name)}
        return gettext("Manage %(name)s: %(url)s") % {"name": bold(tournament.name), "url": url}

    return work
