"""Admin: staff browse tournaments, entrants and matches; the bracket is read-only there."""

from __future__ import annotations

import pytest

from tests.tournaments.conftest import match, win
from tournaments.models import Entrant, Match, Tournament

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["tournament", "entrant", "match"])
def test_staff_browse_every_list_and_row(admin_client, started, model):
    tournament = started(8)
    win(tournament, "A")
    row = {"tournament": tournament, "entrant": tournament.entrants.first()}.get(model) or match(
        tournament, "A"
    )
    base = f"/admin/tournaments/{model}/"
    assert admin_client.get(base).status_code == 200
    assert admin_client.get(base, {"q": "Friday"}).status_code == 200
    assert admin_client.get(f"{base}{row.pk}/change/").status_code == 200
    assert admin_client.get(f"{base}add/").status_code == 403


def test_the_bracket_fields_are_read_only_and_a_name_change_shows(admin_client, started):
    tournament = started(4)
    page = admin_client.get(f"/admin/tournaments/tournament/{tournament.pk}/change/")
    fields = page.context["adminform"].form.fields
    assert set(fields) == {"name", "game"}
    admin_client.post(
        f"/admin/tournaments/tournament/{tournament.pk}/change/",
        {
            "name": "Renamed",
            "game": "Tekken 8",
            "entrants-TOTAL_FORMS": "4",
            "entrants-INITIAL_FORMS": "4",
            "entrants-MIN_NUM_FORMS": "0",
            "entrants-MAX_NUM_FORMS": "1000",
            **{
                f"entrants-{i}-id": str(e.pk)
                for i, e in enumerate(tournament.entrants.order_by("seed"))
            },
            **{f"entrants-{i}-tournament": str(tournament.pk) for i in range(4)},
        },
    )
    changed = Tournament.objects.get(pk=tournament.pk)
    assert (changed.name, changed.game) == ("Renamed", "Tekken 8")
    assert changed.version == tournament.version + 1
    entrant = admin_client.get(
        f"/admin/tournaments/entrant/{tournament.entrants.first().pk}/change/"
    )
    assert set(entrant.context["adminform"].form.fields) == {"name"}


def test_staff_may_delete_a_tournament_with_its_bracket(admin_client, started):
    tournament = started(4)
    win(tournament, "A")
    response = admin_client.post(
        f"/admin/tournaments/tournament/{tournament.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not (Tournament.objects.exists() or Entrant.objects.exists() or Match.objects.exists())


def test_staff_read_the_outbox_and_change_nothing_in_it(admin_client, started):
    tournament = started(8)
    post = tournament.posts.first()
    base = "/admin/tournaments/post/"
    assert admin_client.get(base, {"state__exact": "pending"}).status_code == 200
    assert admin_client.get(base, {"q": "Friday"}).status_code == 200
    page = admin_client.get(f"{base}{post.pk}/change/")
    assert page.status_code == 200 and 'name="state"' not in page.content.decode()
    assert admin_client.get(f"{base}add/").status_code == 403
