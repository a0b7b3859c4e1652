"""The real discord.py client doing what the tournament bot will: views of buttons, threads and
their members, button presses answered ephemerally and with UPDATE_MESSAGE, a modal, 429s
waited out, and the refusals it must turn into something an organiser can fix."""

from __future__ import annotations

import asyncio
import time

import discord
import pytest

from discordsim import sample
from tests.discordsim.helpers import running, until

HQ = sample.FIGHTRISE_HQ_ID
ANNOUNCEMENTS = sample.channel_id(HQ, "announcements")
MATCHES = sample.channel_id(HQ, "matches")


class ReportModal(discord.ui.Modal, title="Report match A"):
    score = discord.ui.TextInput(label="Score (yours first)", custom_id="score", max_length=5)

    def __init__(self, bot: TournamentBot) -> None:
        super().__init__(custom_id="report:A")
        self.bot = bot

    async def on_submit(self, interaction: discord.Interaction) -> None:
        self.bot.reports.append((interaction.user.id, self.score.value))
        await interaction.response.send_message(f"Reported {self.score.value}.", ephemeral=True)


class Signup(discord.ui.View):
    """The announcement's buttons, persistent (timeout=None, fixed custom_ids)."""

    def __init__(self, bot: TournamentBot) -> None:
        super().__init__(timeout=None)
        self.bot = bot

    @discord.ui.button(label="Join", style=discord.ButtonStyle.success, custom_id="t:1:join")
    async def join(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.bot.entrants.add(interaction.user.id)
        await interaction.response.send_message("You're in!", ephemeral=True)

    @discord.ui.button(label="Count", style=discord.ButtonStyle.secondary, custom_id="t:1:count")
    async def count(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content=f"Entrants: {len(self.bot.entrants)}")

    @discord.ui.button(label="Report", style=discord.ButtonStyle.primary, custom_id="t:1:report")
    async def report(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_modal(ReportModal(self.bot))


class TournamentBot(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.05)
        self.entrants: set[int] = set()
        self.reports: list[tuple[int, str]] = []
        self.threads_created: list[int] = []
        self.thread_joins: list[int] = []

    async def setup_hook(self) -> None:
        self.add_view(Signup(self))

    async def on_thread_create(self, thread: discord.Thread) -> None:
        self.threads_created.append(thread.id)

    async def on_thread_member_join(self, member: discord.ThreadMember) -> None:
        self.thread_joins.append(member.id)


def running_bot():
    return running(TournamentBot())


def test_a_view_a_thread_a_press_and_a_modal(discord_at):
    sim = discord_at

    async def scenario():
        async with running_bot() as bot:
            channel = bot.get_channel(int(ANNOUNCEMENTS))
            announcement = await channel.send("Weekly #1: Entrants: 0", view=Signup(bot))
            stored = await asyncio.to_thread(sim.messages, ANNOUNCEMENTS)
            buttons = stored[0]["components"][0]["components"]
            assert [b["custom_id"] for b in buttons] == ["t:1:join", "t:1:count", "t:1:report"]

            # A press, answered ephemerally.
            pressed = await asyncio.to_thread(
                sim.press, str(announcement.id), "t:1:join", sample.NEWBIE_ID
            )
            await until(lambda: sim.interaction_response(pressed["id"])["acknowledged"])
            assert bot.entrants == {int(sample.NEWBIE_ID)}
            replies = await asyncio.to_thread(sim.ephemeral_replies, sample.NEWBIE_ID)
            assert replies[0]["message"]["content"] == "You're in!"

            # A press answered with UPDATE_MESSAGE: the announcement itself changes.
            counted = await asyncio.to_thread(
                sim.press, str(announcement.id), "t:1:count", sample.ADA_ID
            )
            await until(lambda: sim.interaction_response(counted["id"])["acknowledged"])
            assert sim.interaction_response(counted["id"])["callback"]["type"] == 7
            assert (await asyncio.to_thread(sim.messages, ANNOUNCEMENTS))[0][
                "content"
            ] == "Entrants: 1"

            # A modal opened, submitted, answered.
            opened = await asyncio.to_thread(
                sim.press, str(announcement.id), "t:1:report", sample.BLAZE_ID
            )
            await until(lambda: sim.interaction_response(opened["id"])["modal"] is not None)
            modal = sim.interaction_response(opened["id"])["modal"]
            assert modal["title"] == "Report match A"
            done = await asyncio.to_thread(sim.submit_modal, opened["id"], {"score": "2-1"})
            await until(lambda: sim.interaction_response(done["id"])["acknowledged"])
            assert bot.reports == [(int(sample.BLAZE_ID), "2-1")]

            # A match thread from a message, with both players added.
            matches = bot.get_channel(int(MATCHES))
            call = await matches.send(f"<@{sample.ADA_ID}> vs <@{sample.BLAZE_ID}>: best of 3")
            thread = await call.create_thread(name="A: Ada vs Blaze", auto_archive_duration=1440)
            assert thread.id == call.id and thread.parent_id == matches.id
            await until(lambda: thread.id in bot.threads_created)
            await thread.add_user(discord.Object(int(sample.ADA_ID)))
            await thread.add_user(discord.Object(int(sample.NEWBIE_ID)))
            members = await asyncio.to_thread(sim.thread_members, str(thread.id))
            assert members == [sample.BOT_ID, sample.ADA_ID, sample.NEWBIE_ID]
            first = await thread.send(f"<@{sample.BLAZE_ID}>, you're up.")
            assert first.channel.id == thread.id
            assert sample.BLAZE_ID in await asyncio.to_thread(sim.thread_members, str(thread.id))

            # A private thread, started without a message.
            private = await matches.create_thread(
                name="B: Newbie vs Collector", type=discord.ChannelType.private_thread
            )
            assert private.type is discord.ChannelType.private_thread
            fetched = await bot.fetch_channel(private.id)
            assert isinstance(fetched, discord.Thread) and fetched.parent_id == matches.id

    asyncio.run(scenario())


def test_discord_py_sees_the_permissions_the_simulator_applies(discord_at):
    sim = discord_at
    sim.deny_bot(MATCHES, "EMBED_LINKS", "CREATE_PUBLIC_THREADS")

    async def scenario():
        async with running_bot() as bot:
            channel = bot.get_channel(int(MATCHES))
            computed = channel.permissions_for(channel.guild.me).value
            reported = int((await asyncio.to_thread(sim.channel, MATCHES))["bot_permissions"])
            # discord.py leaves out voice permissions in a text channel, where they mean nothing.
            assert computed == reported & ~discord.Permissions.voice().value
            assert not channel.permissions_for(channel.guild.me).embed_links

    asyncio.run(scenario())


def test_it_refuses_with_errors_discord_py_raises(discord_at):
    sim = discord_at

    async def scenario():
        async with running_bot() as bot:
            matches = bot.get_channel(int(MATCHES))
            await asyncio.to_thread(sim.deny_bot, MATCHES, "SEND_MESSAGES")
            with pytest.raises(discord.Forbidden) as forbidden:
                await matches.send("Round 1")
            assert forbidden.value.code == 50013 and forbidden.value.status == 403
            await asyncio.to_thread(sim.deny_bot, MATCHES, "VIEW_CHANNEL")
            with pytest.raises(discord.Forbidden) as hidden:
                await matches.send("Round 1")
            assert hidden.value.code == 50001
            await asyncio.to_thread(sim.deny_bot, MATCHES)
            await asyncio.to_thread(sim.delete_channel, MATCHES)
            with pytest.raises(discord.NotFound) as gone:
                await bot.http.send_message(
                    MATCHES, params=discord.http.handle_message_parameters(content="Round 1")
                )
            assert gone.value.code == 10003

    asyncio.run(scenario())


def test_discord_py_waits_out_a_429_and_paces_by_the_headers(discord_at):
    sim = discord_at
    sim.set_rate_limit("message_edit", 5, 0.4)
    sim.set_rate_limit("thread_create", 10, 0.4)

    async def scenario():
        async with running_bot() as bot:
            matches = bot.get_channel(int(MATCHES))
            await asyncio.to_thread(
                lambda: sim.add_fault(
                    f"/api/v10/channels/{MATCHES}/messages", 429, retry_after=0.1, method="POST"
                )
            )
            message = await matches.send("Entrants: 0")  # first a 429, then sent
            statuses = [
                row["status"]
                for row in await asyncio.to_thread(
                    sim.requests, f"/api/v10/channels/{MATCHES}/messages"
                )
            ]
            assert statuses == [429, 200]
            await asyncio.to_thread(sim.clear_rate_limits)
            threads = [
                await matches.create_thread(name=f"M{n}", type=discord.ChannelType.public_thread)
                for n in range(12)
            ]
            started = time.monotonic()
            await asyncio.gather(*(thread.send("Go") for thread in threads))
            parallel = time.monotonic() - started
            started = time.monotonic()
            await asyncio.gather(*(message.edit(content=f"Entrants: {n}") for n in range(10)))
            queued = time.monotonic() - started
            stats = await asyncio.to_thread(sim.rate_limits)
            assert stats["limited"] == 0  # discord.py kept to the headers
            assert stats["bound"] == pytest.approx(0.4)  # 12 thread starts, 10 edits: one wait
            assert queued >= 0.35 and parallel < 0.35

    asyncio.run(scenario())
