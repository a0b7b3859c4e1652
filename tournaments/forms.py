"""The create form and the edit form (the create form filled in): what an organiser types,
checked field by field before the operation applies the rules (and places the start in the
server's time zone)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from fightrise.languages import listed
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
MINUTES = "%Y-%m-%dT%H:%M"


class HiddenWallClockInput(forms.DateTimeInput):
    """The start as shown, carried along hidden in the same minutes the visible input shows
    (so a start with seconds left as shown reads as unchanged)."""

    input_type = "hidden"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=MINUTES)


class WallClockField(forms.DateTimeField):
    """A date and time as a datetime-local input sends it, kept naive: it is a time on the
    server's clock, which the operation places in the server's zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=MINUTES)
    hidden_widget = HiddenWallClockInput
    input_formats = [MINUTES, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]

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

    def __init__(self, *args, zone, zone_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone, self.zone_name = zone, zone_name
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


class ShownZoneField(forms.CharField):
    """The server's time zone as the page showed it, carried back hidden. A page given back
    carries the zone it shows now, not the one posted."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def bound_data(self, data, initial):
        return initial


# What an edit changed, as the success message lists it.
CHANGED = {
    "name": pgettext_lazy("what changed", "name"),
    "game": pgettext_lazy("what changed", "game"),
    "format": pgettext_lazy("what changed", "format"),
    "best_of": pgettext_lazy("what changed", "sets"),
    "starts_at": pgettext_lazy("what changed", "start"),
    "check_in_minutes": pgettext_lazy("what changed", "check-in"),
    "max_entrants": pgettext_lazy("what changed", "most entrants"),
}


def changed_list(changed: tuple[str, ...]) -> str:
    """The fields an edit changed, in the form's order, as a list in the active language."""
    return listed(CHANGED[field] for field in CHANGED if field in changed)


class EditForm(TournamentForm):
    """The create form filled in with what `tournament` has now, its start on the server's
    clock. Each field carries the value shown along with it (`show_hidden_initial`), so
    `changes()` is what the organiser changed on the page, not what differs from the
    tournament now: another organiser's save meanwhile stands. A start changed after the
    server's zone changed since the page was shown comes back to be checked. Once check-in is
    open its minutes are shown but not editable."""

    zone_shown = ShownZoneField()
    field_order = ["zone_shown"]  # cleaned before the start, which it checks

    def __init__(self, data=None, *, tournament: Tournament):
        fields = [name for name in TournamentForm.base_fields if name != "starts_at"]
        initial = {name: getattr(tournament, name) for name in fields}
        initial["starts_at"] = tournament.local_starts_at().replace(tzinfo=None)
        initial["zone_shown"] = tournament.time_zone
        super().__init__(
            data, initial=initial, zone=tournament.zone(), zone_name=tournament.time_zone
        )
        self.tournament = tournament
        for name in TournamentForm.base_fields:
            self.fields[name].show_hidden_initial = True
        entrants = tournament.entrants.count()
        self.fields["max_entrants"].help_text = ngettext(
            "%(entrants)d entrant so far; the most can't go below that.",
            "%(entrants)d entrants so far; the most can't go below that.",
            entrants,
        ) % {"entrants": entrants}
        if tournament.current_state() == Tournament.State.CHECK_IN:
            check_in = self.fields["check_in_minutes"]
            check_in.disabled = True
            check_in.help_text = gettext(
                "Check-in is open and stays open until the start: whoever has not checked in "
                "by then is dropped."
            )

    def clean_starts_at(self) -> datetime:
        if "starts_at" not in self.changed_data:
            return self.cleaned_data["starts_at"]  # left as shown: kept as stored, unchecked
        shown = self.cleaned_data.get("zone_shown")
        if shown != self.zone_name:
            raise forms.ValidationError(
                gettext(
                    "The server's time zone changed to %(zone)s since this page was shown: "
                    "check the start, now on that clock."
                )
                % {"zone": self.zone_name}
            )
        return super().clean_starts_at()

    def clean(self):
        check_in = self["check_in_minutes"]
        # A browser posts a disabled field's value only if the page showed it enabled:
        # check-in opened meanwhile, and the change typed cannot be saved.
        posted = check_in.data
        if check_in.field.disabled and posted is not None:
            if posted != self.data.get(check_in.html_initial_name):
                self.add_error(
                    "check_in_minutes",
                    str(operations.CHECK_IN_STAYS_OPEN % {"name": self.tournament.name}),
                )
        return super().clean()

    def changes(self) -> dict[str, object]:
        """The fields changed on the page, cleaned, for `operations.edit`."""
        return {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name in TournamentForm.base_fields
        }
