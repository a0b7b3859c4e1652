"""Small image encoders (PNG, GIF, lossless WebP) and the avatars and icons drawn with them."""

from __future__ import annotations

import colorsys
import hashlib
import struct
import zlib
from functools import lru_cache

Palette = list[tuple[int, int, int]]
Grid = list[list[int]]

# Reference > Image Formatting > Default User Avatars: the six background colours.
EMBED_AVATAR_COLOURS: Palette = [
    (88, 101, 242),
    (117, 126, 138),
    (59, 165, 93),
    (250, 166, 26),
    (237, 66, 69),
    (235, 69, 159),
]
WHITE = (255, 255, 255)


def scale(grid: Grid, size: int) -> list[bytes]:
    """Nearest-neighbour scale a square grid of palette indices to size x size rows."""
    cells = len(grid)
    columns = [x * cells // size for x in range(size)]
    rows: dict[int, bytes] = {}
    result = []
    for y in range(size):
        source = y * cells // size
        if source not in rows:
            line = grid[source]
            rows[source] = bytes(line[column] for column in columns)
        result.append(rows[source])
    return result


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(rows: list[bytes], palette: Palette) -> bytes:
    """An indexed-colour PNG (colour type 3, 8 bits per pixel)."""
    height, width = len(rows), len(rows[0])
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"PLTE", b"".join(bytes(colour) for colour in palette))
        + _chunk(b"IDAT", zlib.compress(raw, 6))
        + _chunk(b"IEND", b"")
    )


class _BitWriter:
    """Packs values least-significant bit first, as the WebP lossless bitstream wants."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.bits = 0

    def write(self, value: int, width: int) -> None:
        self.acc |= value << self.bits
        self.bits += width
        if self.bits >= 8:
            whole = self.bits // 8
            self.out += (self.acc & ((1 << (whole * 8)) - 1)).to_bytes(whole, "little")
            self.acc >>= whole * 8
            self.bits -= whole * 8

    def finish(self) -> bytes:
        if self.bits:
            self.out.append(self.acc & 0xFF)
            self.acc = self.bits = 0
        return bytes(self.out)


# With a minimum code size of 7 every LZW code is one byte. Sending a clear code before the
# decoder's table would outgrow 8-bit codes (every 126 literals) keeps it that way, so the image
# data is the pixels themselves with a clear byte now and then: valid GIF, fast to write, large.
_GIF_MIN_CODE_SIZE = 7
_GIF_CLEAR = 1 << _GIF_MIN_CODE_SIZE
_GIF_RUN = 126


def _lzw(indices: bytes) -> bytes:
    clear = bytes([_GIF_CLEAR])
    data = b"".join(
        clear + indices[start : start + _GIF_RUN] for start in range(0, len(indices), _GIF_RUN)
    ) + bytes([_GIF_CLEAR + 1])
    blocks = b"".join(
        bytes([len(data[i : i + 255])]) + data[i : i + 255] for i in range(0, len(data), 255)
    )
    return blocks + b"\x00"


def gif(frames: list[list[bytes]], palette: Palette, delay_cs: int = 60) -> bytes:
    """A GIF89a; more than one frame makes it animated and looping forever."""
    height, width = len(frames[0]), len(frames[0][0])
    table_bits = max(1, (len(palette) - 1).bit_length())
    colours = palette + [(0, 0, 0)] * ((1 << table_bits) - len(palette))
    out = bytearray(b"GIF89a")
    out += struct.pack("<HHBBB", width, height, 0x80 | 0x70 | (table_bits - 1), 0, 0)
    out += b"".join(bytes(colour) for colour in colours)
    if len(frames) > 1:
        out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    if len(palette) > _GIF_CLEAR:
        raise ValueError("gif() takes at most 128 colours")
    for rows in frames:
        out += b"\x21\xf9\x04\x04" + struct.pack("<H", delay_cs) + b"\x00\x00"
        out += b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0)
        out += bytes([_GIF_MIN_CODE_SIZE]) + _lzw(b"".join(rows))
    out += b"\x3b"
    return bytes(out)


def webp(rows: list[bytes], palette: Palette) -> bytes:
    """A lossless WebP (VP8L) for images whose every channel takes at most two values.

    Each of the five prefix codes is a "simple code" of one or two symbols, so a pixel costs at
    most one bit per channel; the generated two-colour images always qualify.
    """
    height, width = len(rows), len(rows[0])
    argb = [(255, *colour) for colour in palette]
    # VP8L codes a pixel as green, red, blue, alpha, in that order.
    channels = [
        [colour[2] for colour in argb],
        [c[1] for c in argb],
        [c[3] for c in argb],
        [c[0] for c in argb],
    ]
    symbols = [sorted(set(values)) for values in channels]
    if any(len(values) > 2 for values in symbols):
        raise ValueError("webp() codes at most two values per channel")
    writer = _BitWriter()
    writer.write(0x2F, 8)
    writer.write(width - 1, 14)
    writer.write(height - 1, 14)
    writer.write(0, 1)  # alpha_is_used: every pixel is opaque
    writer.write(0, 3)  # version
    writer.write(0, 1)  # no transforms
    writer.write(0, 1)  # no colour cache
    writer.write(0, 1)  # one prefix code group for the whole image
    for values in [*symbols, [0]]:  # green, red, blue, alpha, then the unused distance code
        writer.write(1, 1)  # simple code
        writer.write(len(values) - 1, 1)
        writer.write(1, 1)  # first symbol takes 8 bits
        writer.write(values[0], 8)
        if len(values) == 2:
            writer.write(values[1], 8)
    # With two symbols the smaller one is coded 0 and the larger 1; one symbol takes no bits.
    codes = []
    for colour_index in range(len(palette)):
        bits = []
        for channel, values in zip(channels, symbols, strict=True):
            if len(values) == 2:
                bits.append(values.index(channel[colour_index]))
        codes.append(bits)
    width_bits = len(codes[0])
    packed = [sum(bit << position for position, bit in enumerate(bits)) for bits in codes]
    # Rows repeat (the image is a scaled grid), so each distinct row is packed into one integer.
    row_values: dict[bytes, int] = {}
    for row in rows:
        if row not in row_values:
            row_values[row] = sum(packed[index] << (x * width_bits) for x, index in enumerate(row))
        writer.write(row_values[row], width_bits * width)
    payload = writer.finish()
    chunk = (
        b"VP8L" + struct.pack("<I", len(payload)) + payload + (b"\x00" if len(payload) % 2 else b"")
    )
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def _colour(hue: float, lightness: float, saturation: float) -> tuple[int, int, int]:
    red, green, blue = colorsys.hls_to_rgb(hue, lightness, saturation)
    return round(red * 255), round(green * 255), round(blue * 255)


def identicon(seed: str) -> tuple[Grid, Palette, Palette]:
    """A symmetric 5x5 pattern on a 7x7 canvas; returns the grid and two palettes (two frames)."""
    digest = hashlib.sha256(seed.encode()).digest()
    hue = digest[0] / 255
    foreground = _colour(hue, 0.55, 0.65)
    background = _colour(hue, 0.92, 0.35)
    grid = [[0] * 7 for _ in range(7)]
    bit = 0
    for row in range(5):
        for column in range(3):
            if digest[1 + bit // 8] >> (bit % 8) & 1:
                grid[row + 1][column + 1] = 1
                grid[row + 1][5 - column] = 1
            bit += 1
    second = _colour((hue + 0.5) % 1.0, 0.55, 0.65)
    return grid, [background, foreground], [foreground, second]


def embed_avatar_grid() -> Grid:
    """A round white face with two eyes on the coloured square, on a 16x16 canvas."""
    cells = 16
    grid = []
    for y in range(cells):
        line = []
        for x in range(cells):
            dx, dy = x - 7.5, y - 7.5
            inside = dx * dx + dy * dy <= 36
            eye = y in (6, 7) and x in (5, 10)
            line.append(1 if inside and not eye else 0)
        grid.append(line)
    return grid


def render(kind: str, seed: str, size: int, extension: str, animated: bool) -> bytes:
    """Bytes of one CDN image. Small ones are cached: browsers ask for the same avatars often,
    while a 4096-pixel GIF is tens of megabytes and rarely asked for twice."""
    if size <= 1024:
        return _render_cached(kind, seed, size, extension, animated)
    return _render(kind, seed, size, extension, animated)


@lru_cache(maxsize=512)
def _render_cached(kind: str, seed: str, size: int, extension: str, animated: bool) -> bytes:
    return _render(kind, seed, size, extension, animated)


def _render(kind: str, seed: str, size: int, extension: str, animated: bool) -> bytes:
    if kind == "embed":
        grid = embed_avatar_grid()
        palettes = [[EMBED_AVATAR_COLOURS[int(seed)], WHITE]]
    else:
        grid, first, second = identicon(f"{kind}:{seed}")
        palettes = [first, second] if animated else [first]
    rows = scale(grid, size)
    if extension == "gif":
        # Both frames share one palette of four colours; the second frame uses indices 2 and 3.
        palette = [colour for frame in palettes for colour in frame]
        frames = [rows] + [
            [bytes(2 + index for index in row) for row in rows] for _ in palettes[1:]
        ]
        return gif(frames, palette)
    if extension == "webp":
        return webp(rows, palettes[0])
    return png(rows, palettes[0])
