"""runbot's heartbeat per shard, and what the site makes of it: offline after a silent minute."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fightrise.snowflake import shard_of
from guildbot import store
from guildbot.models import ShardHeartbeat

pytestmark = pytest.mark.django_db

HQ, MIDNIGHT = 1085624137117863936, 545755878167416832  # on different shards of two


def test_a_server_is_online_while_its_shard_beats():
    assert not ShardHeartbeat.objects.online(HQ)  # never heard from
    store.beat([0], shard_count=1)
    assert ShardHeartbeat.objects.online(HQ)
    soon = timezone.now() + timedelta(seconds=59)
    assert ShardHeartbeat.objects.online(HQ, now=soon)
    assert not ShardHeartbeat.objects.online(HQ, now=soon + timedelta(seconds=2))


def test_each_server_follows_its_own_shard():
    assert shard_of(HQ, 2) != shard_of(MIDNIGHT, 2)
    store.beat([shard_of(HQ, 2)], shard_count=2)
    assert ShardHeartbeat.objects.online(HQ)
    assert not ShardHeartbeat.objects.online(MIDNIGHT)


def test_a_beat_updates_its_row_and_an_old_shard_count_ages_out():
    store.beat([0, 1], shard_count=2)
    store.beat([0, 1], shard_count=2)
    assert ShardHeartbeat.objects.count() == 2
    ShardHeartbeat.objects.update(seen_at=timezone.now() - timedelta(minutes=5))
    store.beat([0], shard_count=1)  # restarted with one shard: its beat is what counts
    assert ShardHeartbeat.objects.online(MIDNIGHT) and ShardHeartbeat.objects.online(HQ)
