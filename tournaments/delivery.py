"""Delivering the outbox from the bot process: claim, send, record, finish; never twice.

A pass takes the first due row of each tournament of this process's shards
(`outbox.heads`), claims it (`outbox.claim`, a conditional UPDATE with a lease that a task
renews while it sends), and sends it with discord.py, whose HTTP client paces every request
by Discord's rate-limit headers and retries 429s and 5xx answers itself. Then that
tournament's next row goes at once, so a tournament's posts leave one at a time, in order,
while different tournaments' go in parallel.

Never twice: what Discord made is recorded on the row as each step succeeds (the message,
then the thread from it, then the thread's first message), before the next step; a create
carries a nonce with enforce_nonce (Discord answers a repeat with the first message); a
thread that exists already (160004) has the message's id; and a row claimed before (a crash,
a lost answer) first looks for its message among the channel's messages since its first
attempt, by its buttons' custom_ids or its exact words, before creating one.

Refusals for good (50013, 50001, 10003) stop the tournament's queue until the organiser's
Retry; 5xx answers discord.py gave up on and network failures wait with backoff; a message
or thread deleted meanwhile is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import timedelta

import aiohttp
import discord
from asgiref.sync import sync_to_async
from django.db import DatabaseError

from guildbot.store import database_work
from tournaments import outbox, posts

logger = logging.getLogger(__name__)

# Tournaments sending at once in one process: most of them wait on a channel's rate limit,
# so many can, without holding up servers whose channels are free.
CONCURRENCY = 32
BACKOFF_FIRST, BACKOFF_MOST = 5.0, 300.0
# How far back, before a row's first attempt, a reconcile looks for its message.
RECONCILE_SLACK = timedelta(seconds=5)
RECONCILE_LIMIT = 100
# Discord error codes (Topics > Opcodes and Status Codes > JSON Error Codes).
UNKNOWN_CHANNEL, UNKNOWN_MESSAGE = 10003, 10008
MISSING_ACCESS, MISSING_PERMISSIONS = 50001, 50013
THREAD_ARCHIVED, THREAD_EXISTS, THREAD_LOCKED = 50083, 160004, 160005
# What each step needs in its channel, to name what is missing when Discord says 50013.
NEEDS = {
    "message": ("view_channel", "send_messages", "read_message_history"),
    "thread": ("view_channel", "create_public_threads"),
    "thread_message": ("view_channel", "send_messages_in_threads", "read_message_history"),
    "edit": ("view_channel", "read_message_history"),
}


def db(function: Callable) -> Callable:
    """A sync database function run off the event loop, as guildbot.store's are."""
    return sync_to_async(database_work(function))


class LostClaim(Exception):
    """Another process took the row over (this one was too slow to renew): stop."""


class Refusal(Exception):
    """Discord refused a step for good; `problem` is an outbox problem code."""

    def __init__(self, problem: str, *, code: int | None, detail: str):
        super().__init__(detail)
        self.problem, self.code, self.detail = problem, code, detail


class Gone(Exception):
    """What the step acts on was deleted: skip the row."""


def view_of(message: posts.Message) -> discord.ui.View | None:
    """The message's buttons as discord.py components: persistent buttons are the
    tournaments' DynamicItems (a press finds them by custom_id after any restart)."""
    if not message.buttons:
        return None
    from tournaments.interactions import button_item

    view = discord.ui.View(timeout=None)
    for button in message.buttons:
        view.add_item(button_item(button))
    return view


def allowed(message: posts.Message) -> discord.AllowedMentions:
    """Only the message's own mentions ping; a reply never pings the replied-to author."""
    return discord.AllowedMentions(
        everyone=False,
        roles=False,
        users=[discord.Object(i) for i in message.mentions],
        replied_user=False,
    )


def reference(post, channel_id: int, plan: posts.Plan) -> discord.MessageReference | None:
    """A reply's message_reference (Create Message), sent without it should the message
    replied to be gone (fail_if_not_exists false) rather than refused."""
    if plan.reply_to is None:
        return None
    return discord.MessageReference(
        message_id=plan.reply_to,
        channel_id=channel_id,
        guild_id=post.guild_id,
        fail_if_not_exists=False,
    )


def custom_ids_of(message: discord.Message) -> frozenset[str]:
    found = set()
    for row in message.components:
        for child in getattr(row, "children", ()):
            if getattr(child, "custom_id", None):
                found.add(child.custom_id)
    return frozenset(found)


def is_ours(found: discord.Message, message: posts.Message, *, me: int) -> bool:
    if found.author.id != me:
        return False
    if message.custom_ids:
        return custom_ids_of(found) == message.custom_ids
    return found.content == message.content


def backoff(attempts: int) -> float:
    return min(BACKOFF_MOST, BACKOFF_FIRST * 2 ** max(0, attempts - 1))


class Delivery:
    """The outbox's sender for the shards this process runs. `run()` until `stop()`;
    `nudge()` after writing rows in-process (a button press), so they go at once rather
    than at the next poll; `run_once()` for tests."""

    def __init__(
        self,
        client: discord.Client,
        *,
        shard_ids: Iterable[int],
        shard_count: int,
        poll: float,
        lease: float,
        concurrency: int = CONCURRENCY,
    ):
        self.client = client
        self.shard_ids = sorted(shard_ids)
        self.shard_count = shard_count
        self.poll, self.lease, self.concurrency = poll, lease, concurrency
        self.token = uuid.uuid4().hex
        self.busy: dict[int, asyncio.Task] = {}
        self._nudged = asyncio.Event()
        self._stopping = False

    def nudge(self) -> None:
        self._nudged.set()

    async def run(self) -> None:
        logger.info("Delivering posts for shard(s) %s of %d", self.shard_ids, self.shard_count)
        while not self._stopping:
            try:
                await self._fill()
            except Exception:
                logger.exception("Could not read the outbox; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._nudged.wait(), self.poll)
            self._nudged.clear()

    async def run_once(self) -> int:
        """One pass, waiting until the tournaments it started have nothing due."""
        started = await self._fill()
        while self.busy:
            await asyncio.gather(*self.busy.values(), return_exceptions=True)
        return started

    async def stop(self) -> None:
        """Stop taking rows; a row being sent is given back (the next process takes it at
        once and reconciles)."""
        self._stopping = True
        self._nudged.set()
        tasks = list(self.busy.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _fill(self) -> int:
        room = self.concurrency - len(self.busy)
        if room <= 0:
            return 0
        heads = await db(outbox.heads)(
            self.shard_ids, self.shard_count, skip=list(self.busy), limit=room
        )
        started = 0
        for head in heads:  # one per tournament, none of those already sending
            post = await db(outbox.claim)(head.pk, self.token, lease=self.lease)
            if post is None:
                continue  # another process got it
            task = asyncio.create_task(self._drain(post))
            self.busy[post.tournament_id] = task
            started += 1
        return started

    async def _drain(self, post) -> None:
        """Send this row, then the tournament's next ones while they are due."""
        tournament_id = post.tournament_id
        try:
            while post is not None and not self._stopping:
                await self._deliver(post)
                heads = await db(outbox.heads)(
                    self.shard_ids, self.shard_count, tournament_id=tournament_id, limit=1
                )
                post = None
                if heads:
                    post = await db(outbox.claim)(heads[0].pk, self.token, lease=self.lease)
        except DatabaseError:
            # The database went away: the row keeps its claim until the lease runs out,
            # then this process (or another) takes it up again and reconciles.
            logger.exception("Lost the database while sending tournament %s's posts", tournament_id)
        finally:
            self.busy.pop(tournament_id, None)
            self.nudge()  # room for another tournament

    async def _deliver(self, post) -> None:
        renewing = asyncio.create_task(self._renew(post.pk))
        try:
            await self._send(post)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await db(outbox.release)(post.pk, self.token)
            raise
        except LostClaim:
            logger.warning("Post %s was taken over by another process", post.pk)
        except Exception as exc:
            logger.exception("Post %s failed; trying again later", post.pk)
            await db(outbox.later)(
                post.pk, self.token, delay=backoff(post.attempts), detail=repr(exc)[:300]
            )
        finally:
            renewing.cancel()

    async def _renew(self, post_id: int) -> None:
        while True:
            await asyncio.sleep(self.lease / 3)
            try:
                if not await db(outbox.renew)(post_id, self.token, lease=self.lease):
                    return
            except DatabaseError:
                logger.warning("Could not renew the claim of post %s", post_id)

    async def _record(self, post, **ids: int) -> None:
        if not await db(outbox.record)(post.pk, self.token, **ids):
            raise LostClaim(post.pk)
        for key, value in ids.items():
            setattr(post, key, value)

    async def _send(self, post) -> None:
        plan = await db(posts.plan)(post)
        mine = (post.pk, self.token)
        if post.attempts > 1:
            logger.info(
                "Post %s (%s): attempt %d, carrying on from message %s, thread %s",
                post.pk,
                post.kind,
                post.attempts,
                post.message_id,
                post.thread_id,
            )
        if plan.skip:
            await db(outbox.skip)(*mine, problem=outbox.OBSOLETE, detail=plan.skip)
            return
        if plan.missing:
            await db(outbox.fail)(
                *mine, problem=outbox.NO_CHANNEL, error_code=None, detail=plan.missing
            )
            return
        try:
            await self._steps(post, plan)
        except Refusal as refusal:
            await db(outbox.fail)(
                *mine, problem=refusal.problem, error_code=refusal.code, detail=refusal.detail
            )
            return
        except Gone as gone:
            await db(outbox.skip)(*mine, problem=outbox.GONE, detail=str(gone))
            return
        except (discord.DiscordServerError, aiohttp.ClientError, TimeoutError, OSError) as exc:
            delay = backoff(post.attempts)
            logger.warning("Post %s: %r; trying again in %.0fs", post.pk, exc, delay)
            await db(outbox.later)(*mine, delay=delay, detail=repr(exc)[:300])
            return
        if not await db(outbox.finish)(*mine):
            raise LostClaim(post.pk)

    async def _steps(self, post, plan: posts.Plan) -> None:
        if plan.message is not None:
            channel_id = post.channel_id or plan.channel_id
            if post.message_id is None:
                step = "thread_message" if plan.in_thread else "message"
                message_id = await self._create(
                    post,
                    channel_id,
                    plan.message,
                    "m",
                    step,
                    reply=reference(post, channel_id, plan),
                )
                await self._record(post, channel_id=channel_id, message_id=message_id)
            if plan.thread_name:
                if post.thread_id is None:
                    thread_id = await self._thread(post, channel_id, plan.thread_name)
                    await self._record(post, thread_id=thread_id)
                if post.thread_message_id is None:
                    first = await self._create(
                        post, post.thread_id, plan.thread_message, "t", "thread_message"
                    )
                    await self._record(post, thread_message_id=first)
        for edit in plan.edits:
            await self._edit(post, edit)

    def _channel(self, post, channel_id: int) -> discord.PartialMessageable:
        return self.client.get_partial_messageable(channel_id, guild_id=post.guild_id)

    async def _create(
        self,
        post,
        channel_id: int,
        message: posts.Message,
        marker: str,
        step: str,
        *,
        reply: discord.MessageReference | None = None,
    ) -> int:
        """A message, at most once: found again if an earlier attempt made it, else sent
        with a nonce Discord holds a repeat to."""
        channel = self._channel(post, channel_id)
        if post.attempts > 1:
            found = await self._find(post, channel, message, step)
            if found is not None:
                logger.info("Post %s: found the message made before (%s)", post.pk, found)
                return found
        with self._refusals(post, channel_id, step):
            sent = await channel.send(
                message.content,
                view=view_of(message),
                allowed_mentions=allowed(message),
                nonce=f"fr{post.pk}{marker}",
                reference=reply,
            )
        return sent.id

    async def _find(self, post, channel, message: posts.Message, step: str) -> int | None:
        since = (post.first_claimed_at or post.created_at) - RECONCILE_SLACK
        after = discord.Object(discord.utils.time_snowflake(since))
        me = self.client.user.id
        with self._refusals(post, channel.id, step):
            async for found in channel.history(limit=RECONCILE_LIMIT, after=after):
                if is_ours(found, message, me=me):
                    return found.id
        return None

    async def _thread(self, post, channel_id: int, name: str) -> int:
        """The match's thread from its message; 160004 means it exists: same id."""
        starter = self._channel(post, channel_id).get_partial_message(post.message_id)
        if starter.guild is None:
            raise TimeoutError(f"server {post.guild_id} is not in the bot's cache yet")
        with self._refusals(post, channel_id, "thread"):
            try:
                thread = await starter.create_thread(name=name, auto_archive_duration=1440)
            except discord.HTTPException as exc:
                if exc.code != THREAD_EXISTS:
                    raise
                logger.info("Post %s: the thread exists already (160004)", post.pk)
                return post.message_id
        return thread.id

    async def _edit(self, post, edit: posts.Edit) -> None:
        message = self._channel(post, edit.channel_id).get_partial_message(edit.message_id)
        try:
            with self._refusals(post, edit.channel_id, "edit", in_thread=True):
                await message.edit(
                    content=edit.message.content,
                    view=view_of(edit.message),
                    allowed_mentions=allowed(edit.message),
                )
        except Gone:
            # One edit's message was deleted; the others of the row still go.
            logger.info("Post %s: message %s is gone, not edited", post.pk, edit.message_id)

    @contextlib.contextmanager
    def _refusals(self, post, channel_id: int, step: str, *, in_thread: bool | None = None):
        """Discord's answers as the outbox's outcomes: for good, gone, or (5xx, network)
        raised on for a later try."""
        if in_thread is None:
            in_thread = step == "thread_message"
        try:
            yield
        except discord.HTTPException as exc:
            code = exc.code
            if code in (UNKNOWN_MESSAGE, THREAD_ARCHIVED, THREAD_LOCKED) or (
                code == UNKNOWN_CHANNEL and in_thread
            ):
                raise Gone(f"{code}: {exc.text}") from exc
            if exc.status >= 500 or exc.status == 429:
                raise
            problem = {
                MISSING_PERMISSIONS: outbox.MISSING_PERMISSIONS,
                MISSING_ACCESS: outbox.MISSING_ACCESS,
                UNKNOWN_CHANNEL: outbox.UNKNOWN_CHANNEL,
            }.get(code)
            detail = self._missing(post, channel_id, step) if problem else ""
            raise Refusal(
                problem or outbox.REFUSED,
                code=code,
                detail=f"{channel_id}:{detail}" if problem else f"{exc.status} {exc.text}",
            ) from exc

    def _missing(self, post, channel_id: int, step: str) -> str:
        """The permissions this step needs that the bot lacks there, as discord.py's cache
        computes them (names such as send_messages), comma-separated; "" when unknown."""
        guild = self.client.get_guild(post.guild_id)
        channel = guild.get_channel_or_thread(channel_id) if guild else None
        if channel is None or guild.me is None:
            return ""
        have = channel.permissions_for(guild.me)
        return ",".join(need for need in NEEDS[step] if not getattr(have, need))
