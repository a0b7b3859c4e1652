"""Threads over HTTP and the gateway: Start Thread, thread members, archiving, THREAD_* events."""

from __future__ import annotations

import asyncio

import pytest

from discordsim import sample
from tests.discordsim.helpers import GUILDS, connect, events_until, identified

HQ = sample.FIGHTRISE_HQ_ID
MATCHES = sample.channel_id(HQ, "matches")
GUILD_MEMBERS, GUILD_MESSAGES = 1 << 1, 1 << 9


@pytest.fixture
def post(api):
    def send(channel: str, body: dict):
        response = api("POST", f"/channels/{channel}/messages", bot=True, json=body)
        assert response.status_code == 200, response.text
        return response.json()

    return send


@pytest.fixture
def thread(api):
    """Start a thread without a message in #matches (private unless type says otherwise)."""

    def start(name: str = "A: Ada vs Blaze", **body):
        response = api(
            "POST", f"/channels/{MATCHES}/threads", bot=True, json={"name": name, **body}
        )
        assert response.status_code == 201, response.text
        return response.json()

    return start


def test_it_starts_a_thread_from_a_message_once(api, post, sim):
    message = post(MATCHES, {"content": "Match A"})
    url = f"/channels/{MATCHES}/messages/{message['id']}/threads"
    response = api("POST", url, bot=True, json={"name": "A: Ada vs Blaze"})
    assert response.status_code == 201
    created = response.json()
    assert created["id"] == message["id"] and created["type"] == 11
    assert created["parent_id"] == MATCHES and created["guild_id"] == HQ
    assert created["owner_id"] == sample.BOT_ID and created["name"] == "A: Ada vs Blaze"
    metadata = created["thread_metadata"]
    assert metadata["archived"] is False and metadata["locked"] is False
    assert metadata["auto_archive_duration"] == 1440 and metadata["create_timestamp"]
    assert created["member"]["user_id"] == sample.BOT_ID
    starter = sim.messages(MATCHES)[0]
    assert starter["thread"]["id"] == created["id"] and starter["flags"] & (1 << 5)
    again = api("POST", url, bot=True, json={"name": "again"})
    assert again.status_code == 400
    assert again.json() == {
        "message": "A thread has already been created for this message",
        "code": 160004,
    }


def test_it_starts_private_and_public_threads_without_a_message(thread, sim):
    private = thread(invitable=False)
    assert private["type"] == 12 and private["thread_metadata"]["invitable"] is False
    assert sim.messages(MATCHES) == []
    public = thread("B: Newbie vs Collector", type=11, auto_archive_duration=60)
    assert public["type"] == 11 and public["thread_metadata"]["auto_archive_duration"] == 60
    notice = sim.messages(MATCHES)[0]
    assert notice["type"] == 18 and notice["content"] == "B: Newbie vs Collector"
    assert notice["message_reference"]["channel_id"] == public["id"]
    listed = {row["id"]: row for row in sim.threads(HQ)}
    assert set(listed) == {private["id"], public["id"]}
    assert listed[private["id"]]["member_ids"] == [sample.BOT_ID]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, "name", "BASE_TYPE_REQUIRED"),
        ({"name": "x" * 101}, "name", "BASE_TYPE_BAD_LENGTH"),
        ({"name": "x", "auto_archive_duration": 30}, "auto_archive_duration", "BASE_TYPE_CHOICES"),
        ({"name": "x", "type": 0}, "type", "BASE_TYPE_CHOICES"),
    ],
)
def test_it_checks_the_thread_fields(api, body, field, code):
    response = api("POST", f"/channels/{MATCHES}/threads", bot=True, json=body)
    assert response.status_code == 400
    assert response.json()["errors"][field]["_errors"][0]["code"] == code


def test_it_needs_the_thread_permissions(api, thread, sim):
    sim.deny_bot(MATCHES, "CREATE_PRIVATE_THREADS")
    refused = api("POST", f"/channels/{MATCHES}/threads", bot=True, json={"name": "x"})
    assert refused.status_code == 403 and refused.json()["code"] == 50013
    assert thread(type=11)["type"] == 11
    sim.deny_bot(MATCHES, "CREATE_PUBLIC_THREADS")
    public = api("POST", f"/channels/{MATCHES}/threads", bot=True, json={"name": "x", "type": 11})
    assert public.json()["code"] == 50013


def test_it_refuses_a_thread_in_a_thread(api, thread):
    inner = thread()
    response = api("POST", f"/channels/{inner['id']}/threads", bot=True, json={"name": "x"})
    assert response.json() == {
        "message": "Cannot execute action on this channel type",
        "code": 50024,
    }


def test_messages_in_a_thread_add_their_author_and_mentions(api, post, thread, sim):
    created = thread()
    message = post(
        created["id"], {"content": f"<@{sample.ADA_ID}> vs <@{sample.BLAZE_ID}>, best of 3"}
    )
    assert message["channel_id"] == created["id"]
    assert sim.thread_members(created["id"]) == [sample.BOT_ID, sample.ADA_ID, sample.BLAZE_ID]
    fetched = api("GET", f"/channels/{created['id']}", bot=True).json()
    assert fetched["message_count"] == 1 and fetched["total_message_sent"] == 1
    assert fetched["last_message_id"] == message["id"] and fetched["member_count"] == 3
    listed = api("GET", f"/channels/{created['id']}/messages", bot=True).json()
    assert [m["id"] for m in listed] == [message["id"]]


def test_it_adds_and_removes_thread_members(api, thread, sim):
    private = thread()
    members = f"/channels/{private['id']}/thread-members"
    assert api("PUT", f"{members}/{sample.ADA_ID}", bot=True).status_code == 204
    assert api("PUT", f"{members}/{sample.ADA_ID}", bot=True).status_code == 204
    assert sim.thread_members(private["id"]) == [sample.BOT_ID, sample.ADA_ID]
    stranger = api("PUT", f"{members}/{sample.OLDTIMER_ID}", bot=True)  # not in FightRise HQ
    assert stranger.status_code == 404 and stranger.json()["code"] == 10007
    one = api("GET", f"{members}/{sample.ADA_ID}?with_member=true", bot=True).json()
    assert one["user_id"] == sample.ADA_ID and one["member"]["user"]["id"] == sample.ADA_ID
    # The bot created this private thread, so it may remove people from it.
    assert api("DELETE", f"{members}/{sample.ADA_ID}", bot=True).status_code == 204
    assert api("GET", f"{members}/{sample.ADA_ID}", bot=True).json()["code"] == 10007
    public = thread(type=11)
    api("PUT", f"/channels/{public['id']}/thread-members/{sample.ADA_ID}", bot=True)
    kick = api("DELETE", f"/channels/{public['id']}/thread-members/{sample.ADA_ID}", bot=True)
    assert kick.status_code == 403 and kick.json()["code"] == 50013
    assert (
        api("DELETE", f"/channels/{public['id']}/thread-members/@me", bot=True).status_code == 204
    )
    assert sim.thread_members(public["id"]) == [sample.ADA_ID]
    assert api("PUT", f"/channels/{public['id']}/thread-members/@me", bot=True).status_code == 204


def test_listing_thread_members_needs_the_members_intent_switched_on(api, thread, sim):
    created = thread()
    url = f"/channels/{created['id']}/thread-members"
    refused = api("GET", url, bot=True)
    assert refused.status_code == 403 and refused.json()["code"] == 50001
    scenario = sim.scenario()
    scenario["application"]["privileged_intents"] = GUILD_MEMBERS
    sim.load_scenario(scenario)
    created = thread()
    api("PUT", f"/channels/{created['id']}/thread-members/{sample.ADA_ID}", bot=True)
    listed = api("GET", f"/channels/{created['id']}/thread-members", bot=True).json()
    assert sorted(row["user_id"] for row in listed) == sorted([sample.BOT_ID, sample.ADA_ID])


def test_an_archived_thread_unarchives_on_a_message_unless_locked(api, post, thread):
    created = thread(type=11)
    url = f"/channels/{created['id']}"
    archived = api("PATCH", url, bot=True, json={"archived": True}).json()
    assert archived["thread_metadata"]["archived"] is True
    renamed = api("PATCH", url, bot=True, json={"name": "renamed"})
    assert renamed.json() == {"message": "Thread is archived", "code": 50083}
    added = api("PUT", f"{url}/thread-members/{sample.ADA_ID}", bot=True)
    assert added.json()["code"] == 50083
    post(created["id"], {"content": "still going"})
    assert api("GET", url, bot=True).json()["thread_metadata"]["archived"] is False
    message = post(created["id"], {"content": "edit me"})
    api("PATCH", url, bot=True, json={"archived": True})
    edit = api("PATCH", f"{url}/messages/{message['id']}", bot=True, json={"content": "x"})
    assert edit.json()["code"] == 50083
    locking = api("PATCH", url, bot=True, json={"archived": False, "locked": True})
    assert locking.status_code == 403 and locking.json()["code"] == 50013  # MANAGE_THREADS


def test_a_locked_thread_takes_posts_only_from_thread_managers(api, sim, thread):
    sim.add_bot(HQ, permissions_value=int(sim.bot_membership(HQ)["permissions"]) | (1 << 34))
    created = thread(type=11)
    url = f"/channels/{created['id']}"
    assert api("PATCH", url, bot=True, json={"locked": True}).json()["thread_metadata"]["locked"]
    assert api("POST", f"{url}/messages", bot=True, json={"content": "mod"}).status_code == 200
    sim.deny_bot(MATCHES, "MANAGE_THREADS")
    refused = api("POST", f"{url}/messages", bot=True, json={"content": "x"})
    assert refused.json() == {"message": "Thread is locked", "code": 160005}


def test_threads_archive_after_their_inactivity_window(api, thread, sim):
    created = thread(type=11, auto_archive_duration=60)
    sim.advance_clock(59 * 60)
    assert (
        api("GET", f"/channels/{created['id']}", bot=True).json()["thread_metadata"]["archived"]
        is False
    )
    sim.advance_clock(2 * 60)
    assert sim.threads(HQ)[0]["thread_metadata"]["archived"] is True


def test_deleting_a_thread_needs_manage_threads(api, thread, sim):
    created = thread()
    url = f"/channels/{created['id']}"
    assert api("DELETE", url, bot=True).json()["code"] == 50013
    sim.add_bot(HQ, permissions_value=int(sim.bot_membership(HQ)["permissions"]) | (1 << 34))
    deleted = api("DELETE", url, bot=True)
    assert deleted.status_code == 200 and deleted.json()["id"] == created["id"]
    assert api("GET", url, bot=True).json()["code"] == 10003


def test_private_threads_are_seen_by_their_members(thread, api, sim):
    created = thread()
    api("PUT", f"/channels/{created['id']}/thread-members/{sample.NEWBIE_ID}", bot=True)
    people = {
        row["user_id"]: int(row["permissions"]) for row in sim.channel(created["id"])["people"]
    }
    assert people[sample.NEWBIE_ID] & (1 << 10)
    assert not people[sample.COLLECTOR_ID] & (1 << 10)
    assert people[sample.BLAZE_ID] & (1 << 10) == 0  # a moderator, but without Manage Threads
    assert people[sample.ADA_ID] & (1 << 10)  # the owner sees everything


# The gateway ---------------------------------------------------------------------------------


def test_the_bot_hears_thread_events_with_only_the_guilds_intent(sim, api, post, thread):
    async def scenario():
        session, gateway = await identified(sim, intents=GUILDS)
        message = await asyncio.to_thread(post, MATCHES, {"content": "Match A"})
        url = f"/channels/{MATCHES}/messages/{message['id']}/threads"
        await asyncio.to_thread(api, "POST", url, bot=True, json={"name": "A"})
        seen = await events_until(gateway, "THREAD_CREATE")
        assert [event["t"] for event in seen] == ["THREAD_CREATE"]  # no MESSAGE_CREATE/UPDATE
        created = seen[-1]["d"]
        assert created["newly_created"] is True and created["id"] == message["id"]
        assert created["member"]["user_id"] == sample.BOT_ID
        joined = (await events_until(gateway, "THREAD_MEMBERS_UPDATE"))[-1]["d"]
        assert [m["user_id"] for m in joined["added_members"]] == [sample.BOT_ID]
        assert joined["added_members"][0]["member"]["user"]["id"] == sample.BOT_ID
        # Others joining are GUILD_MEMBERS news; the next event is the archive.
        members = f"/channels/{message['id']}/thread-members/{sample.ADA_ID}"
        await asyncio.to_thread(api, "PUT", members, bot=True)
        await asyncio.to_thread(
            api, "PATCH", f"/channels/{message['id']}", bot=True, json={"archived": True}
        )
        update = await events_until(gateway, "THREAD_UPDATE")
        assert [event["t"] for event in update] == ["THREAD_UPDATE"]
        assert update[-1]["d"]["thread_metadata"]["archived"] is True
        await session.close()

    asyncio.run(scenario())


def test_message_events_need_the_guild_messages_intent(sim, post):
    async def scenario():
        session, gateway = await identified(sim, intents=GUILDS | GUILD_MESSAGES)
        sent = await asyncio.to_thread(post, MATCHES, {"content": f"<@{sample.ADA_ID}>"})
        created = (await events_until(gateway, "MESSAGE_CREATE"))[-1]["d"]
        assert created["id"] == sent["id"] and created["guild_id"] == HQ
        assert created["author"]["id"] == sample.BOT_ID and "user" not in created["member"]
        assert created["content"] == f"<@{sample.ADA_ID}>"
        await session.close()

    asyncio.run(scenario())


def test_guild_create_carries_active_threads_and_overwrites(sim, thread, api):
    sim.deny_bot(sample.channel_id(HQ, "results"), "SEND_MESSAGES")
    active = thread(type=11)
    archived = thread("done", type=11)
    api("PATCH", f"/channels/{archived['id']}", bot=True, json={"archived": True})

    async def scenario():
        session, gateway, _ = await connect(sim)
        await gateway.identify()
        events = await events_until(gateway, "READY")
        count = len(events[-1]["d"]["guilds"])
        creates = await gateway.dispatches(count)
        hq = next(event["d"] for event in creates if event["d"]["id"] == HQ)
        assert [t["id"] for t in hq["threads"]] == [active["id"]]
        assert hq["threads"][0]["member"] == {
            "join_timestamp": hq["threads"][0]["member"]["join_timestamp"],
            "flags": 0,
        }
        results = next(c for c in hq["channels"] if c["name"] == "results")
        assert results["permission_overwrites"][0]["id"] == sample.BOT_ID
        await session.close()

    asyncio.run(scenario())


def test_regaining_a_channel_syncs_its_threads(sim, thread):
    created = thread(type=11)
    sim.deny_bot(MATCHES, "VIEW_CHANNEL")

    async def scenario():
        session, gateway = await identified(sim)
        await asyncio.to_thread(sim.deny_bot, MATCHES)
        seen = await events_until(gateway, "THREAD_LIST_SYNC")
        assert [event["t"] for event in seen] == ["CHANNEL_UPDATE", "THREAD_LIST_SYNC"]
        sync = seen[-1]["d"]
        assert sync["channel_ids"] == [MATCHES]
        assert [t["id"] for t in sync["threads"]] == [created["id"]]
        assert [m["id"] for m in sync["members"]] == [created["id"]]
        await asyncio.to_thread(sim.delete_channel, created["id"])
        deleted = (await events_until(gateway, "THREAD_DELETE"))[-1]["d"]
        assert deleted == {"id": created["id"], "guild_id": HQ, "parent_id": MATCHES, "type": 11}
        await session.close()

    asyncio.run(scenario())


def test_a_moderator_can_archive_lock_and_rename_a_thread(sim, thread, api):
    created = thread(type=11)

    async def scenario():
        session, gateway = await identified(sim)
        row = await asyncio.to_thread(
            sim.update_channel, created["id"], archived=True, locked=True, name="A (done)"
        )
        assert row["thread_metadata"]["archived"] and row["thread_metadata"]["locked"]
        update = (await events_until(gateway, "THREAD_UPDATE"))[-1]["d"]
        assert update["name"] == "A (done)" and update["thread_metadata"]["locked"] is True
        await session.close()

    asyncio.run(scenario())
    refused = api("POST", f"/channels/{created['id']}/messages", bot=True, json={"content": "x"})
    assert refused.json() == {"message": "Thread is archived", "code": 50083}
