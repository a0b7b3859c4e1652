"""Tournament pages: create (from a server's settings), edit, manage, a match's result, the
public page with join / leave / check in, and the public JSON."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.decorators import discord_login_required
from guildbot.models import GuildConfig
from tournaments import actions, operations, pages
from tournaments.access import Viewer, confirm_member, managed_guild, organiser_only
from tournaments.forms import EditForm, TournamentForm, changed_list
from tournaments.models import Match, Tournament, zone_named
from tournaments.operations import Refused

logger = logging.getLogger(__name__)


@require_http_methods(["GET", "HEAD", "POST"])
@discord_login_required
def create(request: HttpRequest, guild_id: str) -> HttpResponse:
    guild = managed_guild(request, guild_id)
    if guild is None:
        return redirect("dashboard:index")
    zone_name = GuildConfig.objects.for_guild(guild).timezone
    form = TournamentForm(request.POST or None, zone=zone_named(zone_name), zone_name=zone_name)
    if request.method == "POST" and form.is_valid():
        try:
            tournament = operations.create(guild, created_by=request.user, **form.cleaned_data)
        except Refused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(
                request, gettext("%(name)s is open for entries.") % {"name": tournament.name}
            )
            return redirect("tournaments:manage", slug=tournament.slug)
    return render(request, "tournaments/create.html", {"guild": guild, "form": form})


@require_http_methods(["GET", "HEAD", "POST"])
@organiser_only
def manage(request: HttpRequest, tournament: Tournament) -> HttpResponse:
    if request.method == "POST":
        _say(request, lambda: actions.manage(tournament, request.POST))
        return redirect("tournaments:manage", slug=tournament.slug)
    return render(request, "tournaments/manage.html", pages.manage_context(tournament))


@require_http_methods(["GET", "HEAD", "POST"])
@organiser_only
def edit(request: HttpRequest, tournament: Tournament) -> HttpResponse:
    """The create form again, filled in, until the start; after it, the manage page says why
    the details can no longer change."""
    refused = operations.not_editable(tournament)
    if refused is not None:
        messages.error(request, str(refused))
        return redirect("tournaments:manage", slug=tournament.slug)
    form = EditForm(request.POST if request.method == "POST" else None, tournament=tournament)
    if form.is_valid():
        try:
            edited = operations.edit(tournament, **form.changes())
        except Refused as exc:
            if exc.field not in form.fields:  # it started (or was cancelled) meanwhile
                messages.error(request, str(exc))
                return redirect("tournaments:manage", slug=tournament.slug)
            form.add_error(exc.field, str(exc))
        else:
            _say_saved(request, edited)
            return redirect("tournaments:manage", slug=tournament.slug)
    return render(request, "tournaments/edit.html", {"tournament": tournament, "form": form})


def _say_saved(request: HttpRequest, edited: operations.Edited) -> None:
    name = edited.tournament.name
    if not edited.changed:
        messages.info(request, gettext("Nothing to save: %(name)s is as it was.") % {"name": name})
        return
    words = {"name": name, "changes": changed_list(edited.changed)}
    messages.success(request, gettext("Saved the changes to %(name)s: %(changes)s.") % words)
    if edited.opened_check_in:
        messages.info(request, gettext("Check-in is now open."))


@require_POST
@organiser_only
def match(request: HttpRequest, tournament: Tournament, match_id: int) -> HttpResponse:
    try:
        _say(request, lambda: actions.play(tournament, match_id, request.POST))
    except Match.DoesNotExist:
        raise Http404("No such match") from None
    return redirect(reverse("tournaments:manage", args=[tournament.slug]) + f"#match-{match_id}")


def _say(request: HttpRequest, do) -> None:
    """Run `do`; its words become a success message, a refusal an error message."""
    try:
        messages.success(request, do())
    except Refused as exc:
        messages.error(request, str(exc))


@require_safe
def public(request: HttpRequest, slug: str) -> HttpResponse:
    tournament = get_object_or_404(Tournament.objects.public(), slug=slug)
    context = {
        "tournament": tournament,
        "state": tournament.current_state(),
        "page": pages.public_page(tournament),
        "viewer": Viewer.of(request, tournament),
    }
    return render(request, "tournaments/public.html", context)


@require_safe
def public_json(request: HttpRequest, slug: str) -> HttpResponse:
    """For stream overlays on other origins: public, read-only, cheap to poll (ETag)."""
    tournament = get_object_or_404(Tournament.objects.public(), slug=slug)
    body, etag = pages.json_body(tournament)
    response = get_conditional_response(request, etag=etag) or HttpResponse(
        body, content_type="application/json"
    )
    response["ETag"] = etag
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=5)
    return response


PLAYER_ACTIONS = {
    "join": (
        lambda request, t: operations.join(
            t, discord_id=request.user.discord_id, name=str(request.user), user=request.user
        ),
        _("You are in %(name)s. See you there!"),
    ),
    "leave": (
        lambda request, t: operations.leave(t, discord_id=request.user.discord_id),
        _("You have left %(name)s."),
    ),
    "check_in": (
        lambda request, t: operations.check_in(t, discord_id=request.user.discord_id),
        _("You are checked in for %(name)s."),
    ),
}


@require_http_methods(["GET", "HEAD", "POST"])
@discord_login_required
def player(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    """Join, leave or check in (POST): for signed-in members of the tournament's server. A
    GET, as after logging in from the button, goes back to the page and changes nothing."""
    tournament = get_object_or_404(Tournament.objects.public(), slug=slug)
    if request.method == "POST":
        do, done = PLAYER_ACTIONS[action]

        def run() -> str:
            confirm_member(request, tournament)
            do(request, tournament)
            return done % {"name": tournament.name}

        _say(request, run)
    return redirect("tournaments:public", slug=tournament.slug)
