"""The gateway protocol, spoken by a raw WebSocket client: handshake, zlib-stream, close codes."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
import zstandard

from discordsim import sample
from discordsim.state import State
from tests.discordsim.helpers import GUILDS, ZSTD_MAGIC, RawGateway, connect, query_of


async def two_shards(sim) -> list[tuple[aiohttp.ClientSession, RawGateway]]:
    """Shards 0 and 1 of 2, identified and past their READY and GUILD_CREATEs."""
    gateways = []
    for shard_id in (0, 1):
        session, gateway, _ = await connect(sim)
        await gateway.identify(shard=[shard_id, 2])
        ready = (await gateway.dispatches(1))[0]
        await gateway.dispatches(len(ready["d"]["guilds"]))
        gateways.append((session, gateway))
    return gateways


def run(coroutine):
    return asyncio.run(coroutine)


def bot_guilds() -> list[str]:
    return State(sample.sample_scenario()).bot_guild_ids()


def test_it_says_hello_then_ready_then_one_guild_create_per_server(sim):
    async def scenario():
        session, gateway, hello = await connect(sim)
        assert hello["d"]["heartbeat_interval"] == 41250
        assert hello["s"] is None and hello["t"] is None
        await gateway.identify()
        expected = bot_guilds()
        events = await gateway.dispatches(1 + len(expected))
        ready = events[0]
        assert ready["t"] == "READY" and ready["s"] == 1
        data = ready["d"]
        assert data["v"] == 10
        assert data["user"]["id"] == sample.BOT_ID and data["user"]["bot"] is True
        assert data["guilds"] == [{"id": gid, "unavailable": True} for gid in expected]
        assert data["resume_gateway_url"] == sim.url.replace("http", "ws") + "/gateway"
        assert data["shard"] == [0, 1] and len(data["session_id"]) == 32
        assert data["application"]["id"] == sample.CLIENT_ID and "flags" in data["application"]
        creates = events[1:]
        assert [e["s"] for e in creates] == list(range(2, 2 + len(expected)))
        assert all(e["t"] == "GUILD_CREATE" for e in creates)
        assert sorted(e["d"]["id"] for e in creates) == sorted(expected)
        hq = next(e["d"] for e in creates if e["d"]["id"] == sample.FIGHTRISE_HQ_ID)
        assert hq["unavailable"] is False and hq["name"] == "FightRise HQ"
        for key in (
            "joined_at",
            "large",
            "member_count",
            "members",
            "channels",
            "threads",
            "roles",
            "emojis",
            "stickers",
            "presences",
            "voice_states",
            "stage_instances",
            "guild_scheduled_events",
            "soundboard_sounds",
            "owner_id",
            "features",
        ):
            assert key in hq
        assert [m["user"]["id"] for m in hq["members"]] == [sample.BOT_ID]
        assert hq["roles"][0]["name"] == "@everyone" and hq["roles"][0]["id"] == hq["id"]
        assert [c["name"] for c in hq["channels"]] == [
            "announcements",
            "general",
            "matches",
            "results",
        ]
        await session.close()

    run(scenario())


def test_it_speaks_zlib_stream_with_one_context_per_connection(sim):
    async def scenario():
        session, gateway, _ = await connect(sim, compress="zlib-stream")
        await gateway.identify()
        events = await gateway.dispatches(1 + len(bot_guilds()))
        assert events[0]["t"] == "READY"
        assert set(gateway.frames) == {aiohttp.WSMsgType.BINARY}
        await session.close()

    run(scenario())


def test_it_speaks_zstd_stream_one_message_per_payload_in_one_stream(sim):
    async def scenario():
        session, gateway, _ = await connect(sim, compress="zstd-stream")
        await gateway.identify()
        events = await gateway.dispatches(1 + len(bot_guilds()))
        assert events[0]["t"] == "READY"
        assert [e["t"] for e in events[1:]] == ["GUILD_CREATE"] * len(bot_guilds())
        await gateway.send(1, events[-1]["s"])
        assert (await gateway.receive())["op"] == 11
        assert set(gateway.frames) == {aiohttp.WSMsgType.BINARY}
        # One frame for the connection: only its first message starts with zstd's magic number,
        # and none ends it, so a reader that reads the stream whole sees every payload in order.
        assert gateway.binary[0].startswith(ZSTD_MAGIC)
        assert not any(data.startswith(ZSTD_MAGIC) for data in gateway.binary[1:])
        whole = zstandard.ZstdDecompressor().decompressobj().decompress(b"".join(gateway.binary))
        assert whole.count(b'"op":') == len(gateway.binary)
        rows = await asyncio.to_thread(sim.gateway_sessions)
        assert rows[-1]["compress"] == "zstd-stream"
        await session.close()

        # Another connection has a stream of its own.
        session, gateway, hello = await connect(sim, compress="zstd-stream")
        assert hello["op"] == 10 and gateway.binary[0].startswith(ZSTD_MAGIC)
        await session.close()

    run(scenario())


@pytest.mark.parametrize("compress", ["zstd", "zlib", "gzip-stream", "ZSTD-STREAM", ""])
def test_it_refuses_a_compression_it_does_not_know(sim, compress):
    url = f"{sim.url.replace('http', 'ws')}/gateway?v=10&encoding=json&compress={compress}"

    async def scenario():
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as error:
                await session.ws_connect(url)
            assert error.value.status == 400

    run(scenario())


def test_it_acknowledges_heartbeats(sim):
    async def scenario():
        session, gateway, _ = await connect(sim)
        await gateway.send(1, None)
        assert await gateway.receive() == {"op": 11, "d": None, "s": None, "t": None}
        await session.close()

    run(scenario())


@pytest.mark.parametrize(
    ("identify", "code"),
    [
        ({"token": "not-the-token"}, 4004),
        ({"shard": [1, 1]}, 4010),
        ({"shard": [0, 0]}, 4010),
        ({"shard": [0]}, 4010),
        ({"intents": 1 << 1}, 4014),
        ({"intents": 1 << 15}, 4014),
        ({"intents": 1 << 30}, 4013),
    ],
)
def test_it_closes_on_a_bad_identify(sim, identify, code):
    async def scenario():
        session, gateway, _ = await connect(sim)
        await gateway.identify(**identify)
        assert await gateway.closed_with() == code
        await session.close()

    run(scenario())


def test_it_allows_privileged_intents_the_app_has_switched_on(sim):
    scenario_data = sim.scenario()
    scenario_data["application"]["privileged_intents"] = (1 << 1) | (1 << 15)
    sim.load_scenario(scenario_data)

    async def scenario():
        session, gateway, _ = await connect(sim)
        await gateway.identify(intents=GUILDS | (1 << 1) | (1 << 15))
        assert (await gateway.dispatches(1))[0]["t"] == "READY"
        await session.close()

    run(scenario())


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ("{not json", 4002),
        (json.dumps({"op": 1, "d": "x" * 5000}), 4002),
        (json.dumps({"d": None}), 4002),
        (json.dumps({"op": 42, "d": None}), 4001),
        (json.dumps({"op": 3, "d": {"status": "online"}}), 4003),
    ],
)
def test_it_closes_on_a_bad_payload(sim, payload, code):
    async def scenario():
        session, gateway, _ = await connect(sim)
        await gateway.ws.send_str(payload)
        assert await gateway.closed_with() == code
        await session.close()

    run(scenario())


def test_it_closes_when_identified_twice(sim):
    async def scenario():
        session, gateway, _ = await connect(sim)
        await gateway.identify()
        await gateway.dispatches(1)
        await gateway.identify()
        assert await gateway.closed_with() == 4005
        await session.close()

    run(scenario())


def test_it_closes_on_an_unknown_api_version(sim):
    async def scenario():
        session = aiohttp.ClientSession()
        ws = await session.ws_connect(f"{sim.url.replace('http', 'ws')}/gateway?v=5&encoding=json")
        assert await RawGateway(ws, False).closed_with() == 4012
        await session.close()

    run(scenario())


def test_it_refuses_encodings_it_does_not_speak(sim):
    async def scenario():
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError):
                await session.ws_connect(
                    f"{sim.url.replace('http', 'ws')}/gateway?v=10&encoding=etf"
                )

    run(scenario())


def test_it_times_out_a_session_without_heartbeats(sim):
    scenario_data = sim.scenario()
    scenario_data["heartbeat_interval"] = 100
    sim.load_scenario(scenario_data)

    async def scenario():
        session, gateway, hello = await connect(sim)
        assert hello["d"]["heartbeat_interval"] == 100
        await gateway.identify()
        assert await gateway.closed_with() == 4009
        await session.close()

    run(scenario())


def test_it_resumes_and_replays_what_was_missed(sim):
    async def scenario():
        session, gateway, _ = await connect(sim)
        await gateway.identify()
        events = await gateway.dispatches(1 + len(bot_guilds()))
        session_id, last = events[0]["d"]["session_id"], events[-1]["s"]
        await gateway.ws.close(code=4000)
        await asyncio.to_thread(
            sim.dispatch, "GUILD_UPDATE", {"id": sample.FIGHTRISE_HQ_ID, "name": "x"}
        )
        again, second, _ = await connect(sim)
        await second.send(6, {"token": sample.BOT_TOKEN, "session_id": session_id, "seq": last})
        replayed, resumed = await second.dispatches(2)
        assert (replayed["t"], replayed["s"]) == ("GUILD_UPDATE", last + 1)
        assert (resumed["t"], resumed["s"]) == ("RESUMED", last + 2)
        rows = await asyncio.to_thread(sim.gateway_sessions)
        assert rows[-1]["resumed"] is True and rows[-1]["session_id"] == session_id
        await session.close()
        await again.close()

    run(scenario())


def test_it_replays_from_an_earlier_sequence_number(sim):
    async def scenario():
        session, gateway, _ = await connect(sim)
        await gateway.identify()
        events = await gateway.dispatches(3)
        await gateway.ws.close(code=4000)
        again, second, _ = await connect(sim)
        session_id = events[0]["d"]["session_id"]
        await second.send(6, {"token": sample.BOT_TOKEN, "session_id": session_id, "seq": 1})
        replayed = await second.dispatches(len(bot_guilds()) + 1)
        assert [e["s"] for e in replayed[:-1]] == list(range(2, len(bot_guilds()) + 2))
        assert replayed[-1]["t"] == "RESUMED"
        await session.close()
        await again.close()

    run(scenario())


def test_it_invalidates_unknown_and_ended_sessions(sim):
    async def scenario():
        session, gateway, _ = await connect(sim)
        await gateway.send(6, {"token": sample.BOT_TOKEN, "session_id": "nope", "seq": 1})
        assert await gateway.receive() == {"op": 9, "d": False, "s": None, "t": None}
        await gateway.identify()
        ready = (await gateway.dispatches(1))[0]
        await gateway.ws.close(code=1000)
        again, second, _ = await connect(sim)
        await second.send(
            6, {"token": sample.BOT_TOKEN, "session_id": ready["d"]["session_id"], "seq": 1}
        )
        assert (await second.receive())["op"] == 9
        await session.close()
        await again.close()

    run(scenario())


def test_it_refuses_a_sequence_number_from_the_future(sim):
    async def scenario():
        session, gateway, _ = await connect(sim)
        await gateway.identify()
        ready = (await gateway.dispatches(1))[0]
        await gateway.ws.close(code=4000)
        again, second, _ = await connect(sim)
        await second.send(
            6, {"token": sample.BOT_TOKEN, "session_id": ready["d"]["session_id"], "seq": 9999}
        )
        assert await second.closed_with() == 4007
        await session.close()
        await again.close()

    run(scenario())


def test_it_gives_each_shard_the_servers_the_formula_assigns(sim):
    async def scenario():
        seen = {}
        for shard_id in (0, 1):
            session, gateway, _ = await connect(sim)
            await gateway.identify(shard=[shard_id, 2])
            ready = (await gateway.dispatches(1))[0]
            seen[shard_id] = [guild["id"] for guild in ready["d"]["guilds"]]
            assert all((int(gid) >> 22) % 2 == shard_id for gid in seen[shard_id])
            await session.close()
        assert sorted(seen[0] + seen[1]) == sorted(bot_guilds())
        assert seen[0] and seen[1]

    run(scenario())


def test_it_requires_sharding_past_2500_servers(sim):
    sim.load_scenario(
        sample.bulk_scenario(guilds=2501, bot_in=2501, user_guilds=1, channels_per_guild=1)
    )

    async def scenario():
        session, gateway, _ = await connect(sim)
        await gateway.identify()
        assert await gateway.closed_with() == 4011
        await session.close()

    run(scenario())


def test_it_reports_servers_in_an_outage_with_guild_delete(sim):
    sim.outage(sample.FIGHTRISE_HQ_ID)

    async def scenario():
        session, gateway, _ = await connect(sim)
        await gateway.identify()
        events = await gateway.dispatches(1 + len(bot_guilds()))
        hq = [e for e in events[1:] if e["d"]["id"] == sample.FIGHTRISE_HQ_ID]
        assert hq == [
            {
                "op": 0,
                "s": hq[0]["s"],
                "t": "GUILD_DELETE",
                "d": {"id": sample.FIGHTRISE_HQ_ID, "unavailable": True},
            }
        ]
        await session.close()

    run(scenario())


def test_it_routes_control_events_to_the_owning_shard(sim):
    async def scenario():
        gateways = await two_shards(sim)
        owner = (int(sample.COMBO_LAB_ID) >> 22) % 2
        added = await asyncio.to_thread(sim.add_bot, sample.COMBO_LAB_ID)
        assert added == {"added": True, "delivered": 1}
        join = (await gateways[owner][1].dispatches(1))[0]
        assert join["t"] == "GUILD_CREATE" and "unavailable" not in join["d"]
        delivered = await asyncio.to_thread(
            sim.dispatch, "TYPING_START", {"user_id": sample.ADA_ID}, 1
        )
        assert delivered == 1
        assert (await gateways[1][1].dispatches(1))[0]["t"] == "TYPING_START"
        for session, _ in gateways:
            await session.close()

    run(scenario())


def test_a_code_exchange_adds_the_bot_on_the_owning_shard(sim, exchange):
    """With the code grant required, Authorize sends nothing; the exchange one GUILD_CREATE."""
    redirect_uri = sample.DEFAULT_REDIRECT_URIS[2]

    async def next_after_marker(gateway, shard_id: int) -> dict:
        # A marker sent to the shard now arrives after anything already on its way.
        await asyncio.to_thread(sim.dispatch, "TYPING_START", {"user_id": sample.ADA_ID}, shard_id)
        return (await gateway.dispatches(1))[0]

    async def scenario():
        gateways = await two_shards(sim)
        owner = (int(sample.COMBO_LAB_ID) >> 22) % 2
        location = await asyncio.to_thread(
            sim.authorize,
            sample.CLIENT_ID,
            redirect_uri,
            "bot applications.commands",
            "s",
            sample.ADA_ID,
            guild_id=sample.COMBO_LAB_ID,
            permissions=1024,
        )
        assert (await next_after_marker(gateways[owner][1], owner))["t"] == "TYPING_START"
        form = {
            "grant_type": "authorization_code",
            "code": query_of(location)["code"],
            "redirect_uri": redirect_uri,
        }
        assert (await asyncio.to_thread(exchange, form)).status_code == 200
        join = (await gateways[owner][1].dispatches(1))[0]
        assert join["t"] == "GUILD_CREATE" and join["d"]["id"] == sample.COMBO_LAB_ID
        assert "unavailable" not in join["d"]
        other = 1 - owner
        assert (await next_after_marker(gateways[other][1], other))["t"] == "TYPING_START"
        for session, _ in gateways:
            await session.close()

    run(scenario())


def test_it_lists_connections_and_sessions(sim):
    async def scenario():
        session, gateway, _ = await connect(sim, compress="zlib-stream")
        await gateway.identify(shard=[0, 1])
        await gateway.dispatches(1)
        rows = await asyncio.to_thread(sim.gateway_sessions)
        row = rows[-1]
        assert row["identified"] is True and row["closed"] is False
        assert row["shard"] == [0, 1] and row["seq"] >= 1 and row["compress"] == "zlib-stream"
        await session.close()

    run(scenario())
