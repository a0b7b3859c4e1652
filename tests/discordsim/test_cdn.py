"""The CDN at the simulator's root: avatars, default avatars and server icons."""

from __future__ import annotations

import struct

import pytest
import requests

from discordsim import sample

ADA_AVATAR = "fdee430d40bd57deeac186cd9790033d"
BLAZE_AVATAR = "a_88a5c49d8cb7f295df955627440db159"
HQ_ICON = "dfbfcd6f5474f6d4ab08bef315974f86"
PIXEL_ICON = "a_3f8d7379e2f0f7d0c845a06f7b67ef80"


def get(sim, path: str, **params) -> requests.Response:
    return requests.get(f"{sim.url}{path}", params=params, timeout=10)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def gif_frames(data: bytes) -> tuple[int, int, int]:
    """Walk the GIF block structure; returns width, height and the number of images."""
    assert data[:6] == b"GIF89a"
    width, height, flags = struct.unpack("<HHB", data[6:11])
    position = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    frames = 0

    def skip_blocks(at: int) -> int:
        while data[at]:
            at += data[at] + 1
        return at + 1

    while data[position] != 0x3B:
        if data[position] == 0x21:
            position = skip_blocks(position + 2)
        elif data[position] == 0x2C:
            frames += 1
            local = data[position + 9]
            position += 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0)
            position = skip_blocks(position + 1)
        else:
            raise AssertionError(f"unexpected GIF block {data[position]:#x}")
    return width, height, frames


def test_it_serves_avatars_as_png(sim):
    response = get(sim, f"/avatars/{sample.ADA_ID}/{ADA_AVATAR}.png", size=64)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert png_size(response.content) == (64, 64)


def test_it_serves_animated_avatars_as_gifs_with_frames(sim):
    response = get(sim, f"/avatars/{sample.BLAZE_ID}/{BLAZE_AVATAR}.gif", size=32)
    assert response.headers["Content-Type"] == "image/gif"
    assert gif_frames(response.content) == (32, 32, 2)
    still = get(sim, f"/avatars/{sample.BLAZE_ID}/{BLAZE_AVATAR}.png", size=32)
    assert png_size(still.content) == (32, 32)


def test_it_serves_still_avatars_as_one_frame_gifs(sim):
    response = get(sim, f"/avatars/{sample.ADA_ID}/{ADA_AVATAR}.gif", size=16)
    assert gif_frames(response.content) == (16, 16, 1)


def test_it_serves_webp(sim):
    data = get(sim, f"/avatars/{sample.ADA_ID}/{ADA_AVATAR}.webp", size=128).content
    assert data[:4] == b"RIFF" and data[8:16] == b"WEBPVP8L"
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8
    bits = int.from_bytes(data[21:25], "little")
    assert (bits & 0x3FFF) + 1 == 128 and ((bits >> 14) & 0x3FFF) + 1 == 128


def test_it_serves_the_bot_avatar(sim):
    response = get(sim, f"/avatars/{sample.BOT_ID}/{sample.BOT_AVATAR}.png")
    assert png_size(response.content) == (128, 128)


@pytest.mark.parametrize("index", range(6))
def test_it_serves_default_avatars(sim, index):
    response = get(sim, f"/embed/avatars/{index}.png")
    assert response.status_code == 200
    assert png_size(response.content) == (128, 128)


def test_it_serves_server_icons(sim):
    assert png_size(get(sim, f"/icons/{sample.FIGHTRISE_HQ_ID}/{HQ_ICON}.png").content) == (
        128,
        128,
    )
    animated = get(sim, f"/icons/{sample.PIXEL_BRAWLERS_ID}/{PIXEL_ICON}.gif", size=16).content
    assert gif_frames(animated)[2] >= 2


def test_it_draws_different_avatars_for_different_hashes(sim):
    ada = get(sim, f"/avatars/{sample.ADA_ID}/{ADA_AVATAR}.png").content
    bot = get(sim, f"/avatars/{sample.BOT_ID}/{sample.BOT_AVATAR}.png").content
    assert ada != bot


@pytest.mark.parametrize("size", ["15", "100", "8192", "abc", "0"])
def test_it_refuses_sizes_that_are_not_powers_of_two(sim, size):
    assert get(sim, f"/avatars/{sample.ADA_ID}/{ADA_AVATAR}.png", size=size).status_code == 400


@pytest.mark.parametrize("size", [16, 4096])
def test_it_accepts_the_size_bounds(sim, size):
    response = get(sim, f"/avatars/{sample.ADA_ID}/{ADA_AVATAR}.png", size=size)
    assert png_size(response.content) == (size, size)


@pytest.mark.parametrize(
    "path",
    [
        f"/avatars/{sample.ADA_ID}/{'0' * 32}.png",
        f"/avatars/{sample.NEWBIE_ID}/{ADA_AVATAR}.png",
        f"/avatars/123456789012345678/{ADA_AVATAR}.png",
        f"/avatars/{sample.ADA_ID}/{ADA_AVATAR}.bmp",
        "/embed/avatars/6.png",
        f"/icons/{sample.COMBO_LAB_ID}/{HQ_ICON}.png",
    ],
)
def test_it_answers_404_for_unknown_images(sim, path):
    assert get(sim, path).status_code == 404
