"""The create form, which is the edit form too: what an organiser types, checked field by
field before the operation applies the rules (and places the start in the server's time
zone)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tournaments import bracket, operations
from tournaments.models import (
    BEST_OF,
    MAX_CHECK_IN_MINUTES,
    NAME_LENGTH,
    Format,
    Tournament,
    best_of_label,
)

# A start a little in the past is a tournament starting now; more is a typo.
PAST_GRACE = timedelta(hours=1)
FUTURE_LIMIT = timedelta(days=2 * 365)


class WallClockField(forms.DateTimeField):
    """A date and time as a datetime-local input sends it, kept naive: it is a time on the
    server's clock, which the operation places in the server's zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]

    def to_python(self, value):
        # Parsed as UTC, which never skips or repeats an hour, then stripped of its zone.
        with timezone.override(UTC):
            parsed = super().to_python(value)
        return parsed.replace(tzinfo=None) if parsed else parsed


class TournamentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_LENGTH)
    game = forms.CharField(
        label=_("Game"), max_length=NAME_LENGTH, help_text=_("For example Street Fighter 6.")
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=Format.choices, initial=Format.DOUBLE_ELIMINATION
    )
    best_of = forms.TypedChoiceField(
        label=_("Sets are"),
        coerce=int,
        choices=[(n, best_of_label(n)) for n in BEST_OF],
        initial=3,
        help_text=_("Grand finals and every other set alike."),
    )
    starts_at = WallClockField(label=_("Starts at"))
    check_in_minutes = forms.IntegerField(
        label=_("Check-in (minutes before the start)"),
        min_value=0,
        max_value=MAX_CHECK_IN_MINUTES,
        initial=0,
        help_text=_(
            "0 for no check-in. Entrants who have not checked in are dropped at the start."
        ),
    )
    max_entrants = forms.IntegerField(
        label=_("Most entrants"),
        min_value=bracket.MIN_ENTRANTS,
        max_value=bracket.MAX_ENTRANTS,
        initial=32,
    )

    def __init__(self, *args, zone, zone_name: str, kept_start: datetime | None = None, **kwargs):
        """`kept_start`: editing, the start the tournament has now on the server's clock;
        left as shown, it stands as it is, even once passed."""
        super().__init__(*args, **kwargs)
        self.zone, self.zone_name, self.kept_start = zone, zone_name, kept_start
        self.fields["starts_at"].help_text = gettext("On the server's clock: %(zone)s.") % {
            "zone": zone_name
        }
        for name in ("check_in_minutes", "max_entrants"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"

    def clean_name(self):
        return self._named("name", "tournament")

    def clean_game(self):
        return self._named("game", "game")

    def _named(self, field: str, what: str) -> str:
        try:
            return operations.clean_name(self.cleaned_data[field], what=what, length=NAME_LENGTH)
        except operations.Refused as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_starts_at(self) -> datetime:
        wall_clock = self.cleaned_data["starts_at"]
        kept = self.kept_start
        if kept is not None and wall_clock == kept.replace(second=0, microsecond=0):
            return kept  # the input shows minutes; the start keeps its seconds, if any
        try:
            when = operations.local_to_utc(wall_clock, self.zone)
        except operations.Refused as exc:
            raise forms.ValidationError(str(exc)) from None
        now = timezone.now()
        if when < now - PAST_GRACE:
            raise forms.ValidationError(
                gettext("That time has passed in %(zone)s.") % {"zone": self.zone_name}
            )
        if when > now + FUTURE_LIMIT:
            raise forms.ValidationError(gettext("Pick a start within the next two years."))
        return wall_clock


def edit_form(tournament: Tournament, data=None) -> TournamentForm:
    """The create form for changing `tournament`: filled in with what it has now, its start
    on the server's clock."""
    start = tournament.local_starts_at().replace(tzinfo=None)
    initial = {name: getattr(tournament, name) for name in TournamentForm.base_fields}
    return TournamentForm(
        data,
        initial={**initial, "starts_at": start},
        zone=tournament.zone(),
        zone_name=tournament.time_zone,
        kept_start=start,
    )
