"""The manage page's view of Discord: the bot offline, channels not set, a post Discord
refused with what to fix and Retry, posts on their way, reports and disputes."""

from __future__ import annotations

import uuid

import pytest

from guildbot import store
from guildbot.models import GuildConfig
from tests.tournaments.conftest import OWNER, match
from tournaments import operations, outbox
from tournaments.models import Post

pytestmark = pytest.mark.django_db

ADA, BLAZE = 257069950429175809, 464162408479465473
MATCHES = 1100000000000000002


@pytest.fixture
def organiser(client, sign_in, make_guild):
    guild = make_guild(OWNER)
    guild.channels = [{"id": str(MATCHES), "name": "matches"}]
    guild.save()
    sign_in(client)
    return client


def page(client, tournament) -> str:
    return client.get(f"/t/{tournament.slug}/manage/").content.decode()


def refuse(post: Post, **how) -> None:
    token = uuid.uuid4().hex
    outbox.claim(post.pk, token, lease=30)
    outbox.fail(post.pk, token, **how)


def test_it_says_when_the_bot_is_offline_and_when_posts_are_on_their_way(
    organiser, make_tournament
):
    tournament = make_tournament()
    offline = "FightRise is offline; posts will go out when it is back."
    assert offline in page(organiser, tournament)
    store.beat([0], shard_count=1)
    shown = page(organiser, tournament)
    assert offline not in shown and "1 post on its way to Discord" in shown


def test_it_says_which_channels_are_not_set(organiser, make_tournament):
    tournament = make_tournament()
    shown = page(organiser, tournament)
    assert "No announcements channel is set for this server" in shown
    assert "No matches channel is set" in shown
    GuildConfig.objects.filter(guild_id=OWNER).update(
        announcement_channel_id=MATCHES + 1, match_channel_id=MATCHES
    )
    assert "channel is set for this server" not in page(organiser, tournament)


def test_a_refused_post_shows_what_to_fix_and_retry_resumes_it(organiser, make_tournament):
    tournament = make_tournament()
    operations.join(tournament, discord_id=ADA, name="Ada")
    refuse(
        tournament.posts.get(kind=Post.Kind.ANNOUNCEMENT),
        problem=outbox.MISSING_PERMISSIONS,
        error_code=50013,
        detail=f"{MATCHES}:send_messages,send_messages_in_threads",
    )
    shown = page(organiser, tournament)
    assert "Posting in Discord has stopped" in shown
    assert (
        "FightRise may not post in #matches: it lacks Send Messages, Send Messages in Threads "
        "there." in shown
    )
    assert "2 posts of this tournament wait to go out" in shown
    response = organiser.post(f"/t/{tournament.slug}/manage/", {"action": "retry_posts"})
    assert response.status_code == 302
    assert not tournament.posts.filter(state=Post.State.FAILED).exists()
    assert "Posting in Discord has stopped" not in page(organiser, tournament)
    response = organiser.post(
        f"/t/{tournament.slug}/manage/", {"action": "retry_posts"}, follow=True
    )
    assert "No post is waiting for a retry." in response.content.decode()


@pytest.mark.parametrize(
    ("problem", "code", "detail", "words"),
    [
        (outbox.NO_CHANNEL, None, "announcements", "No announcements channel is set"),
        (outbox.MISSING_ACCESS, 50001, f"{MATCHES}:", "FightRise cannot see #matches"),
        (outbox.UNKNOWN_CHANNEL, 10003, "1100000000000000077:", "no longer exists"),
        (outbox.MISSING_PERMISSIONS, 50013, "", "it lacks View Channel, Send Messages"),
        (outbox.REFUSED, 50035, "400 Invalid Form Body", "Discord refused a post"),
        (outbox.REFUSED, 160006, "400 Maximum number", "as many active threads as Discord"),
    ],
)
def test_each_refusal_says_what_to_fix(organiser, make_tournament, problem, code, detail, words):
    tournament = make_tournament()
    refuse(tournament.posts.get(), problem=problem, error_code=code, detail=detail)
    assert words in page(organiser, tournament)


def test_the_manage_page_shows_reports_and_disputes(organiser, make_tournament):
    tournament = make_tournament(format="single_elimination")
    operations.join(tournament, discord_id=ADA, name="Ada")
    operations.join(tournament, discord_id=BLAZE, name="Blaze")
    operations.start(tournament)
    final = match(tournament, "A")
    operations.report(tournament, final.pk, discord_id=BLAZE, mine=2, theirs=1)
    assert "Blaze reported 2-1 (their games first); waiting for the opponent" in page(
        organiser, tournament
    )
    operations.dispute(tournament, final.pk, discord_id=ADA, version=1)
    assert "Disputed:</strong> Blaze reported 2-1" in page(organiser, tournament)


def test_a_called_match_links_to_its_thread_in_discord(organiser, make_tournament, settings):
    """The organiser reads a match's thread (a dispute's, say) in one click: Discord's web
    client at the thread, as Discord's own "Copy Link" gives it; no link before the call."""
    settings.DISCORD_BASE_URL = "https://discord.com"
    tournament = make_tournament(format="single_elimination")
    operations.join(tournament, discord_id=ADA, name="Ada")
    operations.join(tournament, discord_id=BLAZE, name="Blaze")
    operations.start(tournament)
    final = match(tournament, "A")
    assert "Thread in Discord" not in page(organiser, tournament)
    thread = 1300000000000000077
    operations.match_called(tournament, final.pk, thread_id=thread)
    link = f'href="https://discord.com/channels/{tournament.guild_id}/{thread}"'
    shown = page(organiser, tournament)
    assert link in shown and "Thread in Discord" in shown
