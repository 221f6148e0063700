"""The Teams app's two icons, a parcel, drawn in code.

Drawing them here keeps binary files out of the repository and needs no imaging library: the
shapes are a few straight-edged polygons, and a PNG is a zlib stream in three chunks. Edges are
smoothed by each pixel's distance to them: plain arithmetic, so every run gives the same bytes.
"""

from __future__ import annotations

import functools
import struct
import zlib
from collections.abc import Callable, Sequence

Point = tuple[float, float]
Colour = tuple[int, int, int]
# Coverage of the pixel whose centre is (x, y): 0 outside the shape, 1 well inside.
Shape = Callable[[float, float], float]

ACCENT = (0x2F, 0x5D, 0xA8)
WHITE = (0xFF, 0xFF, 0xFF)
_LID = (0xF4, 0xD9, 0xA6)
_SIDE = (0xDB, 0xA9, 0x5F)
_SHADE = (0xB5, 0x80, 0x3C)
_TAPE = (0xFF, 0xF6, 0xE3)


# Drawing takes most of a second in pure Python and always gives the same bytes: once is enough.
@functools.cache
def color_png() -> bytes:
    """192×192, full colour: a kraft parcel on the accent colour."""
    # Teams may crop the icon's edges: the parcel stays near the middle 96×96 it asks for.
    box = _Parcel(centre=96, top=47, half_width=44, lid_drop=25, height=48)
    canvas = _Canvas(192, background=(*ACCENT, 1.0))
    canvas.paint(_polygon(box.lid), _LID)
    canvas.paint(_polygon(box.left), _SIDE)
    canvas.paint(_polygon(box.right), _SHADE)
    canvas.paint(_polygon(box.tape_on_lid(0.42, 0.58)), _TAPE)
    canvas.paint(_polygon(box.tape_on_right(0.42, 0.58)), _TAPE, opacity=0.85)
    return canvas.png()


@functools.cache
def outline_png() -> bytes:
    """32×32, white lines on a transparent background, as Teams asks of an outline icon."""
    box = _Parcel(centre=16, top=3, half_width=12, lid_drop=7, height=12)
    # Every face's edges: the outer outline and the three inner ones meeting at the front.
    edges = [*_ring(box.lid), *_ring(box.left), *_ring(box.right)]
    lines = [_segment(a, b, width=2.0) for a, b in edges]
    canvas = _Canvas(32, background=(*WHITE, 0.0))
    canvas.paint(lambda x, y: max(line(x, y) for line in lines), WHITE)
    return canvas.png()


class _Parcel:
    """A box seen from above one corner: lid, left side and right side as corner lists."""

    def __init__(
        self, *, centre: float, top: float, half_width: float, lid_drop: float, height: float
    ) -> None:
        self.back = (centre, top)
        self.west = (centre - half_width, top + lid_drop)
        self.front = (centre, top + 2 * lid_drop)
        self.east = (centre + half_width, top + lid_drop)
        self.height = height

    def _down(self, point: Point) -> Point:
        return (point[0], point[1] + self.height)

    @property
    def lid(self) -> list[Point]:
        return [self.back, self.east, self.front, self.west]

    @property
    def left(self) -> list[Point]:
        return [self.west, self.front, self._down(self.front), self._down(self.west)]

    @property
    def right(self) -> list[Point]:
        return [self.front, self.east, self._down(self.east), self._down(self.front)]

    def tape_on_lid(self, start: float, end: float) -> list[Point]:
        # The tape runs back-to-east across the lid, between fractions of the back-west edge.
        near, far = _lerp(self.back, self.west, start), _lerp(self.back, self.west, end)
        shift = (self.east[0] - self.back[0], self.east[1] - self.back[1])
        return [near, _add(near, shift), _add(far, shift), far]

    def tape_on_right(self, start: float, end: float) -> list[Point]:
        # …and on down the right side, where the lid's east-front edge meets it.
        near, far = _lerp(self.east, self.front, start), _lerp(self.east, self.front, end)
        return [near, self._down(near), self._down(far), far]


class _Canvas:
    """A square of straight (not premultiplied) RGBA pixels, painted shape over shape."""

    def __init__(self, size: int, *, background: tuple[float, float, float, float]) -> None:
        self.size = size
        self.pixels = [list(background) for _ in range(size * size)]

    def paint(self, shape: Shape, colour: Colour, *, opacity: float = 1.0) -> None:
        for index, pixel in enumerate(self.pixels):
            y, x = divmod(index, self.size)
            alpha = shape(x + 0.5, y + 0.5) * opacity
            if alpha <= 0:
                continue
            kept = pixel[3] * (1 - alpha)
            total = alpha + kept
            for channel in range(3):
                pixel[channel] = (colour[channel] * alpha + pixel[channel] * kept) / total
            pixel[3] = total

    def png(self) -> bytes:
        rows = bytearray()
        for y in range(self.size):
            rows.append(0)  # filter type: none
            for r, g, b, a in self.pixels[y * self.size : (y + 1) * self.size]:
                rows += bytes((_byte(r), _byte(g), _byte(b), _byte(a * 255)))
        header = struct.pack(">IIBBBBB", self.size, self.size, 8, 6, 0, 0, 0)  # 8-bit RGBA
        return b"\x89PNG\r\n\x1a\n" + b"".join(
            _chunk(kind, body)
            for kind, body in (
                (b"IHDR", header),
                (b"IDAT", zlib.compress(bytes(rows), 9)),
                (b"IEND", b""),
            )
        )


def _polygon(corners: Sequence[Point]) -> Shape:
    """A convex polygon, its edges smoothed over one pixel."""
    area = sum(_cross(a, b) for a, b in _ring(corners))
    outward = 1.0 if area > 0 else -1.0
    edges = []
    for (ax, ay), (bx, by) in _ring(corners):
        length = ((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5
        edges.append((ax, ay, (by - ay) / length * outward, (ax - bx) / length * outward))

    def coverage(x: float, y: float) -> float:
        distance = max(nx * (x - ax) + ny * (y - ay) for ax, ay, nx, ny in edges)
        return min(1.0, max(0.0, 0.5 - distance))

    return coverage


def _segment(a: Point, b: Point, *, width: float) -> Shape:
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    squared = dx * dx + dy * dy

    def coverage(x: float, y: float) -> float:
        along = min(1.0, max(0.0, ((x - ax) * dx + (y - ay) * dy) / squared))
        distance = ((x - ax - along * dx) ** 2 + (y - ay - along * dy) ** 2) ** 0.5
        return min(1.0, max(0.0, width / 2 + 0.5 - distance))

    return coverage


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _ring(corners: Sequence[Point]) -> list[tuple[Point, Point]]:
    return list(zip(corners, [*corners[1:], corners[0]], strict=True))


def _cross(a: Point, b: Point) -> float:
    return a[0] * b[1] - a[1] * b[0]


def _lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def _add(a: Point, b: Point) -> Point:
    return (a[0] + b[0], a[1] + b[1])


def _byte(value: float) -> int:
    return min(255, max(0, int(value + 0.5)))
