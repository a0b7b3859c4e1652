"""What the bot says in Discord for each post of the outbox, as plain data (words, buttons,
who may be pinged) planned from the row and the tournament as they are at delivery.

Creates carry markers a restarted bot can recognise its own message by (the buttons'
custom_ids, else the exact words), edits are rendered from the current state, so an edit
sent twice shows the same thing. tournaments.delivery turns a Plan into Discord requests.

Every post is in the server's language (its settings' locale), the one fixed on the row at
its first attempt (`payload["language"]`, outbox.claim), so a retry writes the same words
as the attempt it may be finding. Times are Discord timestamps, which every reader sees in
their own zone and language.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from discord.utils import escape_markdown
from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext

from guildbot.models import GuildConfig
from tournaments import outbox, pages
from tournaments.models import Entrant, Match, Post, Tournament

Kind = Post.Kind
State = Tournament.State
STANDINGS_SHOWN = 8
THREAD_NAME_LENGTH = 100
# Custom ids of the bot's buttons: the action and the ids it needs, so a press finds its
# tournament or match after any restart (tournaments.interactions reads them).
JOIN, LEAVE, CHECK_IN = "fr:join", "fr:leave", "fr:check-in"
CONFIRM, DISPUTE = "fr:confirm", "fr:dispute"


def custom_id(action: str, *ids: int) -> str:
    return ":".join([action, *map(str, ids)])


@dataclass(frozen=True)
class Button:
    label: str
    style: str = "secondary"  # primary, secondary, success, danger, or link (with url)
    custom_id: str = ""
    url: str = ""


@dataclass(frozen=True)
class Message:
    content: str
    buttons: tuple[Button, ...] = ()
    # The only people the message may ping (never @everyone or roles, whatever names say).
    mentions: tuple[int, ...] = ()

    @property
    def custom_ids(self) -> frozenset[str]:
        return frozenset(button.custom_id for button in self.buttons if button.custom_id)


@dataclass(frozen=True)
class Edit:
    channel_id: int
    message_id: int
    message: Message


@dataclass(frozen=True)
class Plan:
    """One post's requests: a message to create in `channel_id` (then, for a match call, a
    thread from it and the thread's first message), or edits. `missing` names the channel
    the server's settings lack; `skip` says why there is nothing to do."""

    channel_id: int | None = None
    message: Message | None = None
    thread_name: str = ""
    thread_message: Message | None = None
    edits: tuple[Edit, ...] = field(default=())
    in_thread: bool = False
    # The message the new one replies to (Create Message's message_reference), in its channel.
    reply_to: int | None = None
    missing: str = ""
    skip: str = ""


def plan(post: Post) -> Plan:
    """What to send for this post now, in its language (reads the database; call off the
    event loop)."""
    tournament = Tournament.objects.select_related("guild__config", "created_by").get(
        pk=post.tournament_id
    )
    config = getattr(tournament.guild, "config", None)  # a server never configured has none
    with translation.override(language(post, config)):
        return PLANS[post.kind](post, tournament, config)


def language(post: Post, config: GuildConfig | None) -> str:
    """The post's language: the one its first attempt wrote in, else the server's now."""
    fixed = post.payload.get("language") if isinstance(post.payload, dict) else None
    return fixed or (config.locale if config else settings.LANGUAGE_CODE)


# Words


def name(entrant: Entrant | None) -> str:
    return "?" if entrant is None else f"**{escape_markdown(entrant.name)}**"


def mention(entrant: Entrant | None) -> str:
    """A member as a mention (which pings them and adds them to a thread), a walk-in by name."""
    if entrant is not None and entrant.discord_id:
        return f"<@{entrant.discord_id}>"
    return name(entrant)


def pinged(*entrants: Entrant | None) -> tuple[int, ...]:
    return tuple(e.discord_id for e in entrants if e is not None and e.discord_id)


def stamp(when: datetime | int, style: str) -> str:
    """A Discord timestamp (of a datetime or a Unix time): every reader sees it in their own
    time zone."""
    unix = when if isinstance(when, int) else int(when.timestamp())
    return f"<t:{unix}:{style}>"


def link(view: str, tournament: Tournament) -> str:
    """An absolute link to the site (SITE_URL), or "" when the address is not set."""
    if not settings.SITE_URL:
        return ""
    return settings.SITE_URL + reverse(view, args=[tournament.slug])


def to_the_organiser(tournament: Tournament, mentioned: str, unnamed: str, words) -> Message:
    """Words asking the tournament's creator (mentioned: %(organiser)s) to act on the manage
    page, or any organiser when the creator has no Discord account; then the page's link on
    a line of its own, when the site's address is set."""
    boss = organiser(tournament)
    text = mentioned % {**words, "organiser": f"<@{boss}>"} if boss else unnamed % words
    manage = link("tournaments:manage", tournament)
    return Message(f"{text}\n{manage}" if manage else text, mentions=(boss,) if boss else ())


def bracket_button(tournament: Tournament) -> tuple[Button, ...]:
    url = link("tournaments:public", tournament)
    return (Button(gettext("Bracket"), style="link", url=url),) if url else ()


def organiser(tournament: Tournament) -> int | None:
    creator = tournament.created_by
    return getattr(creator, "discord_id", None) or None


# The announcement and check-in


def title(tournament: Tournament) -> str:
    return f"**{escape_markdown(tournament.name)}**"


def announcement(tournament: Tournament) -> Message:
    counted = tournament.entrants.aggregate(
        entrants=Count("id"), checked=Count("id", filter=Q(checked_in=True))
    )
    entrants, checked = counted["entrants"], counted["checked"]
    state = tournament.current_state()
    starts = {"when": stamp(tournament.starts_at, "F"), "in": stamp(tournament.starts_at, "R")}
    lines = [
        f"{title(tournament)} · {escape_markdown(tournament.game)}",
        f"{tournament.get_format_display()} · "
        + gettext("Best of %(n)s") % {"n": tournament.best_of},
        gettext("Starts %(when)s (%(in)s)") % starts,
    ]
    buttons: tuple[Button, ...] = ()
    count = ngettext(
        "**%(entrants)s** of %(most)s entrant",
        "**%(entrants)s** of %(most)s entrants",
        tournament.max_entrants,
    ) % {"entrants": entrants, "most": tournament.max_entrants}
    if state in (State.REGISTRATION, State.CHECK_IN):
        if state == State.CHECK_IN:
            lines.append(
                gettext("%(count)s · %(checked)s checked in. Check-in is open: press Check in.")
                % {"count": count, "checked": checked}
            )
        elif tournament.check_in_opens_at:
            lines.append(
                gettext("%(count)s. Press Join to enter. Check-in opens %(when)s.")
                % {"count": count, "when": stamp(tournament.check_in_opens_at, "R")}
            )
        else:
            lines.append(gettext("%(count)s. Press Join to enter.") % {"count": count})
        buttons = (
            Button(
                pgettext("button: enter the tournament", "Join"),
                style="success",
                custom_id=custom_id(JOIN, tournament.pk),
            ),
            Button(
                pgettext("button: leave the tournament", "Leave"),
                custom_id=custom_id(LEAVE, tournament.pk),
            ),
        )
    elif state == State.UNDERWAY:
        lines.append(
            ngettext(
                "Underway with %(entrants)s entrant: entries are closed.",
                "Underway with %(entrants)s entrants: entries are closed.",
                entrants,
            )
            % {"entrants": entrants}
        )
    elif state == State.COMPLETE:
        winner = tournament.entrants.filter(placement=1).first()
        lines.append(
            ngettext(
                "Complete: %(winner)s won, out of %(entrants)s entrant.",
                "Complete: %(winner)s won, out of %(entrants)s entrants.",
                entrants,
            )
            % {"winner": name(winner), "entrants": entrants}
        )
    else:
        lines.append(gettext("Cancelled."))
    return Message("\n".join(lines), buttons + bracket_button(tournament))


def check_in_message(tournament: Tournament) -> Message:
    if tournament.current_state() != State.CHECK_IN:
        return Message(
            gettext("Check-in for %(name)s is closed.") % {"name": title(tournament)},
            bracket_button(tournament),
        )
    return Message(
        gettext(
            "Check-in for %(name)s is open until the start, %(when)s (%(in)s). Entrants, "
            "press Check in: who has not checked in when it starts is dropped."
        )
        % {
            "name": title(tournament),
            "when": stamp(tournament.starts_at, "F"),
            "in": stamp(tournament.starts_at, "R"),
        },
        (
            Button(
                pgettext("button: say you are here", "Check in"),
                style="success",
                custom_id=custom_id(CHECK_IN, tournament.pk),
            ),
        ),
    )


def _announcements(config: GuildConfig | None) -> int | None:
    return config.announcement_channel_id if config else None


def _matches(config: GuildConfig | None) -> int | None:
    return config.match_channel_id if config else None


def _create_in_announcements(message: Message, config: GuildConfig | None) -> Plan:
    channel = _announcements(config)
    return Plan(channel_id=channel, message=message, missing="" if channel else "announcements")


def _all_done(tournament: Tournament, kind: str, match: Match | None = None):
    """The posts of this kind that made their message, oldest first."""
    return (
        Post.objects.filter(tournament=tournament, kind=kind, match=match, state=Post.State.DONE)
        .exclude(message_id=None)
        .order_by("id")
    )


def _done(tournament: Tournament, kind: str, match: Match | None = None) -> Post | None:
    return _all_done(tournament, kind, match).first()


def plan_announcement(post, tournament, config) -> Plan:
    if tournament.state == State.CANCELLED and not post.message_id:
        return Plan(skip="cancelled before it was announced")
    return _create_in_announcements(announcement(tournament), config)


def plan_announcement_edit(post, tournament, config) -> Plan:
    posted = _done(tournament, Kind.ANNOUNCEMENT)
    if posted is None:
        return Plan(skip="the announcement was never posted")
    edits = [Edit(posted.channel_id, posted.message_id, announcement(tournament))]
    check_in = _done(tournament, Kind.CHECK_IN)
    closed = tournament.current_state() != State.CHECK_IN
    if check_in is not None and (closed or post.payload.get(outbox.DETAILS)):
        edits.append(Edit(check_in.channel_id, check_in.message_id, check_in_message(tournament)))
    if post.payload.get(outbox.STANDINGS) and tournament.state != State.COMPLETE:
        # Standings posted before the results were reopened no longer stand.
        for standings in _all_done(tournament, Kind.STANDINGS):
            edits.append(Edit(standings.channel_id, standings.message_id, reopened(tournament)))
    return Plan(edits=tuple(edits))


def plan_check_in(post, tournament, config) -> Plan:
    if tournament.current_state() != State.CHECK_IN and not post.message_id:
        return Plan(skip="check-in closed before it was posted")
    return _create_in_announcements(check_in_message(tournament), config)


def reopened(tournament: Tournament) -> Message:
    """What standings posted before the results were reopened say instead."""
    if tournament.state == State.CANCELLED:
        return Message(gettext("%(name)s was cancelled.") % {"name": title(tournament)})
    return Message(
        gettext(
            "%(name)s is underway again: its results were reopened, and the final standings "
            "will follow when it ends."
        )
        % {"name": title(tournament)},
        bracket_button(tournament),
    )


def plan_standings(post, tournament, config) -> Plan:
    if tournament.state != State.COMPLETE and not post.message_id:
        return Plan(skip="the tournament was reopened before they were posted")
    placed = tournament.entrants.filter(placement__lte=STANDINGS_SHOWN).order_by(
        "placement", "seed"
    )
    rows: dict[int, list[str]] = {}
    for entrant in placed:
        rows.setdefault(entrant.placement, []).append(name(entrant))
    lines = ["🏆 " + gettext("%(name)s is over. Final standings:") % {"name": title(tournament)}]
    lines += [f"{place}. {', '.join(names)}" for place, names in rows.items()]
    return _create_in_announcements(Message("\n".join(lines), bracket_button(tournament)), config)


def plan_cancelled(post, tournament, config) -> Plan:
    if _done(tournament, Kind.ANNOUNCEMENT) is None and not post.message_id:
        return Plan(skip="cancelled before it was announced")
    return _create_in_announcements(
        Message(gettext("%(name)s was cancelled.") % {"name": title(tournament)}), config
    )


def plan_start_moved(post, tournament, config) -> Plan:
    """The start moved: said in the announcements channel, as a reply to the announcement
    when it is out there (Discord links them), pinging nobody. It says the start its change
    fixed (`NOW`), so a retry says what the first try said; one moved back to the start
    readers saw says nothing."""
    was = post.payload.get(outbox.WAS)
    now = post.payload.get(outbox.NOW, int(tournament.starts_at.timestamp()))
    if not post.message_id:
        if tournament.current_state() not in (State.REGISTRATION, State.CHECK_IN):
            return Plan(skip="the tournament started or was cancelled before the notice")
        if was == now:
            return Plan(skip="the start was moved back to the one entrants saw")
    message = Message(
        gettext("%(name)s now starts %(when)s (%(in)s), not %(was)s.")
        % {
            "name": title(tournament),
            "when": stamp(now, "F"),
            "in": stamp(now, "R"),
            "was": stamp(was, "F"),
        }
    )
    plan = _create_in_announcements(message, config)
    announced = _done(tournament, Kind.ANNOUNCEMENT)
    if announced is not None and announced.channel_id == plan.channel_id:
        plan = replace(plan, reply_to=announced.message_id)
    return plan


# Matches


def _match(post: Post) -> Match:
    return Match.objects.select_related("player_1", "player_2", "winner").get(pk=post.match_id)


def _score(match: Match, scores, *, by: int | None) -> str:
    """A report's scores (by slot), the reporter's games first."""
    one, two = scores
    if by is not None and by == match.player_2_id:
        one, two = two, one
    return f"{one}-{two}"


def call_message(tournament: Tournament, match: Match) -> Message:
    """The message in the matches channel the match's thread starts from, with where the
    match is now: playing, reported, disputed, decided."""
    one, two = match.player_1, match.player_2
    head = gettext("%(name)s · Match **%(match)s** (%(where)s): %(one)s vs %(two)s") % {
        "name": title(tournament),
        "match": match.identifier,
        "where": pages.where_in_bracket(match),  # as the manage page says it
        "one": name(one),
        "two": name(two),
    }
    playing = gettext("Playing now, best of %(n)s: see the thread.") % {"n": tournament.best_of}
    status = {
        Match.State.READY: playing,
        Match.State.CALLED: playing,
        Match.State.AWAITING_CONFIRMATION: gettext(
            "Reported: waiting for the opponent to confirm."
        ),
        Match.State.DISPUTED: gettext("Disputed: the organiser settles it."),
        Match.State.PENDING: gettext("Waiting for its players again."),
    }.get(match.state)
    if match.state == Match.State.COMPLETE:
        if match.skipped:
            status = gettext("Not needed.")
        elif match.forfeit and match.winner:
            status = gettext("%(winner)s goes on by forfeit.") % {"winner": name(match.winner)}
        else:
            status = gettext("Result: %(one)s %(score)s %(two)s.") % {
                "one": name(one),
                "score": f"{match.score_1}-{match.score_2}",
                "two": name(two),
            }
    return Message(f"{head}\n{status}")


def thread_name(match: Match) -> str:
    one, two = (p.name if p else "?" for p in (match.player_1, match.player_2))
    return f"{match.identifier} · {one} vs {two}"[:THREAD_NAME_LENGTH]


def report_command(example: str) -> str:
    """`/report score:2-1` with the command's and the option's names in the language active,
    as Discord shows them to a person whose client speaks it."""
    command = pgettext("slash command name", "report")
    option = pgettext("slash option name", "score")
    return f"`/{command} {option}:{example}`"


def first_message(tournament: Tournament, match: Match) -> Message:
    """The thread's first message: mentioning both players adds them to the thread."""
    one, two = match.player_1, match.player_2
    wins = (tournament.best_of + 1) // 2
    walk_ins = [p for p in (one, two) if p is not None and not p.discord_id]
    lines = [
        ngettext(
            "%(one)s vs %(two)s: match **%(match)s** of %(name)s, best of %(n)s (first to "
            "%(wins)s).",
            "%(one)s vs %(two)s: match **%(match)s** of %(name)s, best of %(n)s (first to "
            "%(wins)s).",
            wins,
        )
        % {
            "one": mention(one),
            "two": mention(two),
            "match": match.identifier,
            "name": title(tournament),
            "n": tournament.best_of,
            "wins": wins,
        },
        gettext(
            "Play your set, then report it here with %(command)s, your own games first; your "
            "opponent confirms it."
        )
        % {"command": report_command(f"{wins}-{wins - 1}")},
    ]
    if len(walk_ins) == 2:
        lines.append(
            gettext("%(one)s and %(two)s play without Discord: the organiser confirms this result.")
            % {"one": name(one), "two": name(two)}
        )
    elif walk_ins:
        lines.append(
            gettext("%(name)s plays without Discord: the organiser confirms this result.")
            % {"name": name(walk_ins[0])}
        )
    return Message("\n".join(lines), mentions=pinged(one, two))


def plan_match_call(post, tournament, config) -> Plan:
    match = _match(post)
    started = post.message_id is not None
    if not started and (
        tournament.state == State.CANCELLED
        or match.state in (Match.State.COMPLETE, Match.State.PENDING)
    ):
        return Plan(skip="the match was decided, or lost its players, before it was called")
    channel = post.channel_id or _matches(config)
    return Plan(
        channel_id=channel,
        message=call_message(tournament, match),
        thread_name=thread_name(match),
        thread_message=first_message(tournament, match),
        missing="" if channel else "matches",
    )


def plan_match_edit(post, tournament, config) -> Plan:
    match = _match(post)
    call = _done(tournament, Kind.MATCH_CALL, match)
    if call is None:
        return Plan(skip="the match was never called")
    return Plan(edits=(Edit(call.channel_id, call.message_id, call_message(tournament, match)),))


def _in_match_thread(match: Match, message: Message, config) -> Plan:
    """A message in the match's thread (in the matches channel should it have none)."""
    if match.thread_id:
        return Plan(channel_id=match.thread_id, message=message, in_thread=True)
    channel = _matches(config)
    return Plan(channel_id=channel, message=message, missing="" if channel else "matches")


def plan_report(post, tournament, config) -> Plan:
    match = _match(post)
    version = post.payload.get("version")
    if not post.message_id and (
        match.state != Match.State.AWAITING_CONFIRMATION or match.report_version != version
    ):
        return Plan(skip="the report was answered or replaced before it was posted")
    reporter = Entrant.objects.filter(pk=post.payload.get("by")).first()
    opponent = match.player_2 if reporter == match.player_1 else match.player_1
    score = _score(match, post.payload.get("scores", [None, None]), by=post.payload.get("by"))
    said = gettext("%(reporter)s reports **%(score)s** for match %(match)s, their games first.") % {
        "reporter": name(reporter),
        "score": score,
        "match": match.identifier,
    }
    if opponent is not None and opponent.discord_id:
        message = Message(
            gettext("%(opponent)s: %(report)s Is that right?")
            % {"opponent": mention(opponent), "report": said},
            (
                Button(
                    pgettext("button: the report is right", "Confirm"),
                    style="success",
                    custom_id=custom_id(CONFIRM, match.pk, version),
                ),
                Button(
                    pgettext("button: the report is wrong", "Dispute"),
                    style="danger",
                    custom_id=custom_id(DISPUTE, match.pk, version),
                ),
            ),
            mentions=pinged(opponent),
        )
    else:
        message = to_the_organiser(
            tournament,
            gettext(
                "%(report)s %(opponent)s is not on Discord: %(organiser)s, confirm it on the "
                "manage page."
            ),
            gettext(
                "%(report)s %(opponent)s is not on Discord: an organiser confirms it on the "
                "manage page."
            ),
            {"report": said, "opponent": name(opponent)},
        )
    return _in_match_thread(match, message, config)


def plan_dispute(post, tournament, config) -> Plan:
    match = _match(post)
    if not post.message_id and match.state != Match.State.DISPUTED:
        return Plan(skip="the dispute was settled before it was posted")
    by = Entrant.objects.filter(pk=post.payload.get("by")).first()
    reporter = Entrant.objects.filter(pk=post.payload.get("reported_by")).first()
    score = _score(
        match, post.payload.get("scores", [None, None]), by=post.payload.get("reported_by")
    )
    message = to_the_organiser(
        tournament,
        gettext(
            "%(by)s disputes %(reporter)s's report of match %(match)s (%(score)s). "
            "%(organiser)s, please settle it on the manage page."
        ),
        gettext(
            "%(by)s disputes %(reporter)s's report of match %(match)s (%(score)s). An "
            "organiser will settle it on the manage page."
        ),
        {"by": name(by), "reporter": name(reporter), "match": match.identifier, "score": score},
    )
    return _in_match_thread(match, message, config)


PLANS = {
    Kind.ANNOUNCEMENT: plan_announcement,
    Kind.ANNOUNCEMENT_EDIT: plan_announcement_edit,
    Kind.CHECK_IN: plan_check_in,
    Kind.MATCH_CALL: plan_match_call,
    Kind.MATCH_EDIT: plan_match_edit,
    Kind.REPORT: plan_report,
    Kind.DISPUTE: plan_dispute,
    Kind.STANDINGS: plan_standings,
    Kind.CANCELLED: plan_cancelled,
    Kind.START_MOVED: plan_start_moved,
}
