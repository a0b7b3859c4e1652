"""The organiser's POSTs (the manage page's `action`s and a match's form): read the fields,
call the operation, and say in words what happened. A bad value is a Refused, as a rule
the operation refuses is."""

from __future__ import annotations

from collections.abc import Callable

from django.http import QueryDict
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from fightrise.languages import listed
from tournaments import operations
from tournaments.models import Entrant, Tournament
from tournaments.operations import Refused

MAX_NUMBER_LENGTH = 9  # no id, seed or score has more digits; a longer one is not ours


def _number(value: str | None, *, what: str, field: str) -> int:
    """A whole number typed in ASCII digits, or Refused. `what` (translated) names it as
    the subject of a sentence: "Score 1", "The seed of Ada"."""
    text = (value or "").strip()
    if not text:
        # Translators: %(what)s names a value, as the subject of the sentence ("Score 1",
        # "The seed of Ada", "The entrant").
        raise Refused(_("%(what)s is missing."), field=field, what=what)
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_NUMBER_LENGTH:
        raise Refused(
            # Translators: %(what)s names a value, as in "%(what)s is missing."
            _("%(what)s must be a whole number, not “%(text)s”."),
            field=field,
            what=what,
            text=text[:20],
        )
    return int(text)


def _ids(value: str) -> list[int]:
    parts = [part.strip() for part in value.split(",")]
    what = gettext("Each id in the order")
    return [_number(part, what=what, field="order") for part in parts]


def _seed_order(tournament: Tournament, data: QueryDict) -> list[int]:
    """`order` (entrant ids, seed 1 first), or the manage page's seed boxes (seed_<id>)."""
    if "order" in data:
        return _ids(data["order"])
    entrants = list(tournament.entrants.order_by("seed"))
    wanted = {}
    for entrant in entrants:
        if f"seed_{entrant.pk}" in data:
            wanted[entrant.pk] = _number(
                data[f"seed_{entrant.pk}"],
                what=gettext("The seed of %(name)s") % {"name": entrant.name},
                field="order",
            )
    return operations.order_from_boxes(entrants, wanted)


def add_entrant(tournament: Tournament, data: QueryDict) -> str:
    entrant = operations.add_walk_in(tournament, name=data.get("name", ""))
    return gettext("%(name)s is in, seed %(seed)s.") % {"name": entrant.name, "seed": entrant.seed}


def remove_entrant(tournament: Tournament, data: QueryDict) -> str:
    entrant_id = _number(data.get("entrant"), what=gettext("The entrant"), field="entrant")
    entrant = operations.remove_entrant(tournament, entrant_id=entrant_id)
    return gettext("%(name)s is out.") % {"name": entrant.name}


def reinstate(tournament: Tournament, data: QueryDict) -> str:
    entrant_id = _number(data.get("entrant"), what=gettext("The entrant"), field="entrant")
    played = operations.reinstate(tournament, entrant_id)
    name = Entrant.objects.get(pk=entrant_id).name
    if not played.changed:  # disqualified for a match still to come: nothing was forfeited
        return gettext(
            "%(name)s is reinstated: they had forfeited no match yet, so only the "
            "disqualification is taken back."
        ) % {"name": name}
    said = gettext(
        "%(name)s is reinstated: their disqualification and its forfeits are taken back."
    ) % {"name": name}
    # `tournament` is as it was before: the operation changed a row of its own.
    if tournament.state == Tournament.State.COMPLETE and not played.complete:
        said += " " + gettext("The tournament is underway again.")
    return said


def seed(tournament: Tournament, data: QueryDict) -> str:
    operations.reorder(tournament, order=_seed_order(tournament, data))
    return gettext("Seeds saved.")


def open_check_in(tournament: Tournament, data: QueryDict) -> str:
    operations.open_check_in(tournament)
    return gettext("Check-in is open: entrants check in on the tournament's page.")


def start(tournament: Tournament, data: QueryDict) -> str:
    started = operations.start(tournament)
    count = len(started.entrants)
    said = ngettext(
        "%(name)s has started with %(entrants)d entrant.",
        "%(name)s has started with %(entrants)d entrants.",
        count,
    ) % {"name": tournament.name, "entrants": count}
    if started.dropped:
        names = listed(e.name for e in started.dropped)
        said += " " + gettext("Not checked in, so dropped: %(names)s.") % {"names": names}
    return said


def cancel(tournament: Tournament, data: QueryDict) -> str:
    operations.cancel(tournament)
    return gettext("%(name)s is cancelled.") % {"name": tournament.name}


def retry_posts(tournament: Tournament, data: QueryDict) -> str:
    count = operations.retry_posts(tournament)
    return ngettext(
        "FightRise tries again: %(posts)s post will go out.",
        "FightRise tries again: %(posts)s posts will go out.",
        count,
    ) % {"posts": count}


MANAGE_ACTIONS: dict[str, Callable[[Tournament, QueryDict], str]] = {
    "add_entrant": add_entrant,
    "remove_entrant": remove_entrant,
    "reinstate": reinstate,
    "seed": seed,
    "open_check_in": open_check_in,
    "start": start,
    "cancel": cancel,
    "retry_posts": retry_posts,
}


def manage(tournament: Tournament, data: QueryDict) -> str:
    """Runs the manage page's `action`; returns what happened, raises Refused."""
    action = MANAGE_ACTIONS.get(data.get("action", ""))
    if action is None:
        raise Refused(_("That is not something the manage page can do."))
    return action(tournament, data)


def play(tournament: Tournament, match_id: int, data: QueryDict) -> str:
    """A match's form: `reset` = 1, or `dq` = an entrant id, or `score_1` and `score_2`
    (with `fix` = 1 to replace a result). Raises Refused, or Match.DoesNotExist."""
    if data.get("reset"):
        if data["reset"] != "1":
            raise Refused(_("To reset a match, send reset=1."), field="reset")
        played = operations.reset(tournament, match_id)
        return gettext("Match %(match)s is reset: it waits for a result again.") % {
            "match": played.match.identifier
        }
    if "dq" in data:
        entrant_id = _number(data["dq"], what=gettext("The entrant to disqualify"), field="dq")
        played = operations.disqualify(tournament, match_id, entrant_id=entrant_id)
        loser = Entrant.objects.get(pk=entrant_id)
        said = gettext("%(name)s is disqualified; their matches are forfeited.") % {
            "name": loser.name
        }
        return said + _ending(played)
    scores = [
        _number(data.get(f"score_{n}"), what=gettext("Score %(n)s") % {"n": n}, field="score")
        for n in (1, 2)
    ]
    played = operations.set_result(
        tournament, match_id, score_1=scores[0], score_2=scores[1], fix=data.get("fix") == "1"
    )
    said = gettext("Match %(match)s: %(result)s.") % {
        "match": played.match.identifier,
        "result": operations.scoreline(played.match),
    }
    return said + _ending(played)


def _ending(played: operations.Played) -> str:
    if played.complete and played.champion:
        return " " + gettext("The tournament is complete: %(name)s wins it!") % {
            "name": played.champion.name
        }
    return ""
