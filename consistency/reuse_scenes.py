"""Procedural photos of franchise rooms, for the reuse labelled set (``consistency.reuse_set``).

A scene is three things, each from its own seed, so that the set can ask for exactly the differences the
product must tell apart:

- the **fit-out** (``fitout``): the room type, wall and floor materials, fixtures and where they stand - what
  every site of a franchise shares;
- the **site's details** (``site``): posters, menu text, the products on the shelves, the small things in the
  room - what differs between two sites with the same fit-out;
- the **day** (``day``): a few small things moved, added or taken away.

A photo of a scene is rendered through a ``Camera`` (where it stands and points, its zoom, roll and keystone, the
light, the sensor noise). The scene has three depth layers (walls, fixtures, small things) and a camera that
moves between two shots moves the near layers more than the far ones (parallax), as a real one does.
Textures are deterministic per fit-out and site, so the pixels that differ between two shots of one scene are
those a camera changes: the viewpoint, the light, the noise and what was moved.
"""

from __future__ import annotations

import math
import random
import string
from dataclasses import dataclass

import cv2
import numpy as np

WORLD = 2000  # side of the square world canvas, in world pixels; a photo frames 1600 x 1200 of it at zoom 1
FLOOR_Y = 1330  # where the back wall meets the floor
ROOM_TYPES = ("restroom", "counter", "shelves", "kitchen")
DEPTHS = (3.0, 2.0, 1.3)  # walls, fixtures, small things: a camera translation moves a layer by t / depth


@dataclass(frozen=True)
class Scene:
    fitout: int
    site: int
    day: int


@dataclass(frozen=True)
class Camera:
    aim: tuple[float, float]  # where the camera points, world pixels from the centre (moves every layer alike)
    shift: tuple[float, float]  # where it stands, in output pixels at depth 1 (moves near layers more)
    zoom: float
    roll: float  # degrees
    keystone: tuple[float, float]  # perspective tilt, as a fraction of the frame
    gain: float  # exposure
    tint: tuple[float, float, float]  # white balance, per channel
    slope: tuple[float, float]  # light falling off across the frame
    gamma: float
    noise: float  # sensor noise sigma, grey levels
    blur: float  # lens softness, pixels
    size: tuple[int, int]  # output width, height
    noise_seed: int


def random_camera(rng: random.Random, *, size: tuple[int, int]) -> Camera:
    """A phone photo of the room: held roughly level at the usual spot, in the room's usual light."""
    return Camera(aim=(rng.uniform(-50, 50), rng.uniform(-40, 40)), shift=(rng.uniform(-20, 20), rng.uniform(-20, 20)),
                  zoom=rng.uniform(0.96, 1.04), roll=rng.uniform(-1.5, 1.5),
                  keystone=(rng.uniform(-0.02, 0.02), rng.uniform(-0.02, 0.02)), gain=rng.uniform(0.85, 1.15),
                  tint=tuple(rng.uniform(0.92, 1.08) for _ in range(3)),
                  slope=(rng.uniform(-0.12, 0.12), rng.uniform(-0.12, 0.12)), gamma=rng.uniform(0.9, 1.1),
                  noise=rng.uniform(2.5, 5.0), blur=rng.uniform(0.5, 1.0), size=size, noise_seed=rng.randrange(2**31))


def moved_camera(rng: random.Random, cam: Camera) -> Camera:
    """The same spot another day: the person stands a step or so elsewhere (at least a little: nobody stands in
    the very same place), holds the phone a little differently, and the light is not the same."""
    def away(lo, hi):
        return rng.choice((-1, 1)) * rng.uniform(lo, hi)
    return Camera(aim=(cam.aim[0] + away(4, 30), cam.aim[1] + away(3, 24)),
                  shift=(cam.shift[0] + away(18, 60), cam.shift[1] + away(10, 40)),
                  zoom=cam.zoom * rng.uniform(0.96, 1.04), roll=cam.roll + away(0.3, 1.5),
                  keystone=(cam.keystone[0] + away(0.004, 0.015), cam.keystone[1] + away(0.004, 0.015)),
                  gain=cam.gain * rng.uniform(0.78, 1.25), tint=tuple(t * rng.uniform(0.93, 1.07) for t in cam.tint),
                  slope=(rng.uniform(-0.15, 0.15), rng.uniform(-0.15, 0.15)), gamma=rng.uniform(0.88, 1.12),
                  noise=rng.uniform(2.5, 5.0), blur=rng.uniform(0.5, 1.0), size=cam.size,
                  noise_seed=rng.randrange(2**31))


# --- drawing helpers -------------------------------------------------------------------------------------

def _colour(rng: random.Random, lo: int = 30, hi: int = 230) -> tuple[int, int, int]:
    return tuple(rng.randrange(lo, hi) for _ in range(3))


def _near(rng: random.Random, c, spread: int) -> tuple[int, int, int]:
    return tuple(int(min(255, max(0, v + rng.randint(-spread, spread)))) for v in c)


def _word(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.ascii_uppercase + "  ") for _ in range(n)).strip() or "OPEN"


def _mottle(nrng: np.random.Generator, h: int, w: int, cells: int, amount: float) -> np.ndarray:
    """Low-frequency unevenness of a surface (paint, stains, light on a wall), +-amount grey levels."""
    small = nrng.standard_normal((max(2, h // cells), max(2, w // cells))).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC) * amount


def _text(img, rng, text, org, scale, colour, thick=2):
    cv2.putText(img, text, org, rng.choice((cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX,
                                            cv2.FONT_HERSHEY_COMPLEX)), scale, colour, thick, cv2.LINE_AA)


def _box(img, alpha, x0, y0, x1, y1, colour, *, edge=None, shade=0.0):
    """A filled rectangle with a darker outline and a vertical shading gradient (light from above)."""
    x0, y0, x1, y1 = max(0, int(x0)), max(0, int(y0)), min(WORLD, int(x1)), min(WORLD, int(y1))
    if x1 <= x0 or y1 <= y0:
        return
    if shade:
        ramp = np.linspace(1 + shade, 1 - shade, y1 - y0, dtype=np.float32)[:, None, None]
        img[y0:y1, x0:x1] = np.clip(np.array(colour, np.float32)[None, None, :] * ramp, 0, 255).astype(np.uint8)
    else:
        cv2.rectangle(img, (x0, y0), (x1, y1), colour, -1)
    cv2.rectangle(img, (x0, y0), (x1, y1), edge or tuple(int(v * 0.6) for v in colour), 3, cv2.LINE_AA)
    if alpha is not None:
        cv2.rectangle(alpha, (x0, y0), (x1, y1), 255, -1)


# --- the layers ------------------------------------------------------------------------------------------

def _walls(fit: random.Random, nrng: np.random.Generator, room: str) -> np.ndarray:
    img = np.empty((WORLD, WORLD, 3), np.uint8)
    base = _colour(fit, 120, 235)
    tiled = room in ("restroom", "kitchen") or fit.random() < 0.3
    if tiled:
        tw, th = fit.randrange(60, 130), fit.randrange(50, 120)
        grout = tuple(int(v * 0.7) for v in base)
        img[:] = grout
        tile_rng = random.Random(fit.random())
        for y in range(0, FLOOR_Y, th):
            off = (th and (y // th) % 2) * (tw // 2 if fit.random() < 0.5 else 0)
            for x in range(-tw, WORLD, tw):
                cv2.rectangle(img, (x + off + 2, y + 2), (x + off + tw - 2, y + th - 2), _near(tile_rng, base, 10), -1)
    else:
        img[:FLOOR_Y] = base
        rail = FLOOR_Y - fit.randrange(300, 600)
        cv2.rectangle(img, (0, rail), (WORLD, FLOOR_Y), _colour(fit, 60, 200), -1)
        cv2.line(img, (0, rail), (WORLD, rail), _colour(fit, 20, 120), 8)
    # The floor: tiles or planks seen in perspective, towards a vanishing point above the frame.
    floor = _colour(fit, 60, 200)
    img[FLOOR_Y:] = floor
    vx, vy = WORLD / 2 + fit.uniform(-200, 200), FLOOR_Y - fit.uniform(900, 1400)
    step = fit.randrange(70, 160)
    for x in range(-3 * WORLD, 4 * WORLD, step):
        k = (WORLD - vy) / (FLOOR_Y - vy)
        cv2.line(img, (int(vx + (x - vx) / k), FLOOR_Y), (int(x), WORLD), _near(fit, floor, 40), 3, cv2.LINE_AA)
    y, gap = FLOOR_Y, 30.0
    while y < WORLD:
        cv2.line(img, (0, int(y)), (WORLD, int(y)), _near(fit, floor, 40), 3, cv2.LINE_AA)
        y, gap = y + gap, gap * 1.25
    cv2.line(img, (0, FLOOR_Y), (WORLD, FLOOR_Y), _colour(fit, 10, 90), 10)
    surface = _mottle(nrng, WORLD, WORLD, 40, 7.0)
    surface += nrng.standard_normal((WORLD, WORLD), dtype=np.float32) * 4.0
    return cv2.add(img, np.repeat(surface.astype(np.int16)[..., None], 3, axis=2), dtype=cv2.CV_8U)


def _fixtures(fit: random.Random, site: random.Random, room: str):
    img = np.zeros((WORLD, WORLD, 3), np.uint8)
    alpha = np.zeros((WORLD, WORLD), np.uint8)
    if room == "restroom":
        top = FLOOR_Y - fit.randrange(380, 460)
        x0, x1 = fit.randrange(150, 400), fit.randrange(1200, 1500)
        _box(img, alpha, x0, top, x1, top + 70, _colour(fit, 150, 250), shade=0.1)
        _box(img, alpha, x0 + 20, top + 70, x1 - 20, FLOOR_Y - 60, _colour(fit, 60, 180), shade=0.15)
        sinks = fit.randrange(2, 4)
        mirror_c = _colour(fit, 150, 210)
        for i in range(sinks):
            cx = int(x0 + (i + 0.5) * (x1 - x0) / sinks)
            cv2.ellipse(img, (cx, top + 35), (110, 28), 0, 0, 360, (235, 235, 240), -1, cv2.LINE_AA)
            cv2.ellipse(img, (cx, top + 35), (80, 18), 0, 0, 360, (150, 150, 160), -1, cv2.LINE_AA)
            cv2.rectangle(img, (cx - 8, top - 60), (cx + 8, top + 10), (180, 180, 190), -1)
            _box(img, alpha, cx - 170, top - 560, cx + 170, top - 120, mirror_c, edge=(90, 90, 90), shade=0.2)
            cv2.line(img, (cx - 120, top - 520), (cx - 20, top - 160), tuple(min(255, v + 40) for v in mirror_c), 12)
            _box(img, alpha, cx + 190, top - 330, cx + 250, top - 200, (230, 230, 235))  # soap dispenser
        door_x = x1 + 80
        for d in range(fit.randrange(1, 3)):
            _box(img, alpha, door_x + d * 260, FLOOR_Y - 900, door_x + d * 260 + 240, FLOOR_Y - 40,
                 _colour(fit, 50, 200), shade=0.12)
            cv2.circle(img, (door_x + d * 260 + 30, FLOOR_Y - 460), 12, (60, 60, 60), -1)
        _box(img, alpha, 60, FLOOR_Y - 820, 150, FLOOR_Y - 640, (200, 200, 205), shade=0.2)  # hand dryer
    elif room == "counter":
        top = FLOOR_Y - fit.randrange(420, 520)
        _box(img, alpha, 100, top, 1900, top + 50, _colour(fit, 30, 120), shade=0.1)
        front = _colour(fit, 60, 200)
        _box(img, alpha, 120, top + 50, 1880, FLOOR_Y - 20, front, shade=0.2)
        for x in range(160, 1880, fit.randrange(120, 220)):
            cv2.line(img, (x, top + 60), (x, FLOOR_Y - 30), tuple(int(v * 0.75) for v in front), 4)
        _box(img, alpha, 1300, top - 160, 1500, top, (40, 40, 45), shade=0.1)  # register
        _box(img, alpha, 1320, top - 150, 1480, top - 60, (90, 160, 200))
        board = _colour(fit, 10, 80)
        _box(img, alpha, 250, top - 900, 1750, top - 420, board, shade=0.05)
        _box(img, alpha, 1650, top - 380, 1900, top - 5, (220, 225, 230), shade=0.1)  # drinks fridge
    elif room == "shelves":
        unit = _colour(fit, 60, 200)
        _box(img, alpha, 150, FLOOR_Y - 1150, 1850, FLOOR_Y - 10, tuple(int(v * 0.5) for v in unit))
        for y in range(FLOOR_Y - 1130, FLOOR_Y - 40, fit.randrange(210, 270)):
            _box(img, alpha, 140, y + 170, 1860, y + 200, unit, shade=0.2)
        for x in (150, 700, 1300, 1850):
            _box(img, alpha, x - 15, FLOOR_Y - 1150, x + 15, FLOOR_Y - 10, unit)
    else:  # kitchen
        steel = (190, 192, 198)
        top = FLOOR_Y - 480
        _box(img, alpha, 80, top, 1920, FLOOR_Y - 20, steel, shade=0.25)
        for x in range(80, 1920, 460):
            _box(img, alpha, x + 20, top + 80, x + 440, FLOOR_Y - 60, (170, 172, 178), shade=0.2)
            cv2.line(img, (x + 200, top + 120), (x + 260, top + 120), (90, 90, 90), 10)
        _box(img, alpha, 400, 80, 1600, 480, (175, 178, 184), shade=0.3)  # hood
        _box(img, alpha, 200, 600, 1800, 630, steel)
        for x in range(230, 1780, fit.randrange(90, 160)):
            _box(img, alpha, x, 470, x + 70, 600, _colour(fit, 120, 240), shade=0.2)
    _site_details(img, alpha, fit, site, room)
    return img, alpha


def _site_details(img, alpha, fit: random.Random, site: random.Random, room: str) -> None:
    """What a site puts on its fit-out: posters, menu text, products. Same fit-out, other site: other details."""
    if room == "counter":
        top = FLOOR_Y - 900
        for r in range(6):
            _text(img, site, f"{_word(site, site.randrange(6, 14))}  {site.randrange(2, 19)}.{site.randrange(10, 99)}",
                  (290, top - 380 + r * 75), 1.8, _colour(site, 170, 255), 3)
    if room == "shelves":
        for y in range(FLOOR_Y - 1130, FLOOR_Y - 40, 240):
            x = 170
            while x < 1820:
                w, h = site.randrange(50, 150), site.randrange(80, 165)
                c = _colour(site)
                _box(img, alpha, x, y + 170 - h, x + w, y + 170, c, shade=0.15)
                cv2.rectangle(img, (x + 4, y + 170 - h // 2), (x + w - 4, y + 170 - h // 3), _colour(site), -1)
                if w > 80:
                    _text(img, site, _word(site, 3), (x + 6, y + 170 - h + 30), 0.8, _colour(site, 0, 255))
                x += w + site.randrange(4, 30)
    for _ in range(site.randrange(1, 3)):  # posters and notices
        px, py = site.randrange(100, 1600), site.randrange(150, 700)
        w, h = site.randrange(180, 320), site.randrange(220, 380)
        _box(img, alpha, px, py, px + w, py + h, _colour(site, 150, 255), shade=0.05)
        cv2.circle(img, (px + w // 2, py + h // 3), min(w, h) // 5, _colour(site), -1, cv2.LINE_AA)
        for r in range(3):
            _text(img, site, _word(site, 7), (px + 12, py + h // 2 + 30 + r * 40), 0.9, _colour(site, 0, 120))


def _items(site: random.Random, day: random.Random):
    """Small things in the room. The day moves a few of them, takes one away or brings another."""
    img = np.zeros((WORLD, WORLD, 3), np.uint8)
    alpha = np.zeros((WORLD, WORLD), np.uint8)
    things = []
    for _ in range(site.randrange(5, 10)):
        things.append((site.choice(("bottle", "box", "cone", "bin", "towel", "cup", "plant")),
                       site.randrange(120, 1880), site.randrange(FLOOR_Y - 500, WORLD - 150), _colour(site),
                       site.randrange(2**31)))
    kept = []
    for thing in things:
        if day.random() < 0.12:
            continue  # taken away today
        kind, x, y, colour, s = thing
        if day.random() < 0.4:
            x, y = x + day.randint(-70, 70), y + day.randint(-40, 40)
        kept.append((kind, x, y, colour, s))
    if day.random() < 0.5:
        kept.append((day.choice(("bottle", "box", "cup")), day.randrange(200, 1800), day.randrange(FLOOR_Y - 400, 1800),
                     _colour(day), day.randrange(2**31)))
    for kind, x, y, colour, s in sorted(kept, key=lambda t: t[2]):
        r = random.Random(s)
        if kind == "bottle":
            _box(img, alpha, x, y - 160, x + 55, y, colour, shade=0.3)
            _box(img, alpha, x + 17, y - 200, x + 38, y - 160, _colour(r))
            cv2.rectangle(img, (x + 4, y - 110), (x + 51, y - 60), _colour(r, 180, 255), -1)
        elif kind == "box":
            w, h = r.randrange(90, 220), r.randrange(70, 170)
            _box(img, alpha, x, y - h, x + w, y, colour, shade=0.2)
            cv2.line(img, (x, y - h // 2), (x + w, y - h // 2), _colour(r, 0, 100), 5)
            _text(img, r, _word(r, 4), (x + 8, y - h + 35), 0.9, _colour(r, 0, 90))
        elif kind == "cone":
            pts = np.array([[x, y], [x + 140, y], [x + 70, y - 260]], np.int32)
            cv2.fillPoly(img, [pts], (40, 200, 240), cv2.LINE_AA)
            cv2.fillPoly(alpha, [pts], 255)
            cv2.line(img, (x + 35, y - 120), (x + 105, y - 120), (30, 30, 30), 14)
        elif kind == "bin":
            _box(img, alpha, x, y - 230, x + 150, y, colour, shade=0.3)
            cv2.ellipse(img, (x + 75, y - 230), (75, 14), 0, 0, 360, tuple(int(v * 0.6) for v in colour), -1)
        elif kind == "towel":
            _box(img, alpha, x, y - 120, x + 200, y, colour)
            for k in range(3):
                cv2.line(img, (x + 10, y - 100 + 35 * k), (x + 190, y - 100 + 35 * k), _colour(r), 4)
        elif kind == "cup":
            cv2.ellipse(img, (x + 40, y - 50), (40, 55), 0, 0, 360, colour, -1, cv2.LINE_AA)
            cv2.ellipse(alpha, (x + 40, y - 50), (40, 55), 0, 0, 360, 255, -1)
        else:  # plant
            _box(img, alpha, x, y - 120, x + 110, y, (80, 60, 50), shade=0.2)
            for k in range(9):
                a = math.radians(200 + 15 * k)
                end = (int(x + 55 + 150 * math.cos(a)), int(y - 120 + 150 * math.sin(a)))
                cv2.line(img, (x + 55, y - 120), end, (40, 120 + 8 * k, 50), 18, cv2.LINE_AA)
                cv2.line(alpha, (x + 55, y - 120), end, 255, 18)
    return img, alpha


# --- rendering ---------------------------------------------------------------------------------------------

_LAYER_CACHE: dict[tuple, tuple] = {}


def _layers(scene: Scene):
    """The three layers of a scene (cached: a pair renders one fit-out, often one site, twice)."""
    room = random.Random(f"fitout/{scene.fitout}").choice(ROOM_TYPES)
    fit_key = ("walls", scene.fitout)
    if fit_key not in _LAYER_CACHE:
        _LAYER_CACHE[fit_key] = _walls(random.Random(f"fitout/{scene.fitout}/walls"),
                                       np.random.default_rng(scene.fitout), room)
    key = (scene.fitout, scene.site, scene.day)
    if key not in _LAYER_CACHE:
        fixtures = _fixtures(random.Random(f"fitout/{scene.fitout}/fixtures"),
                             random.Random(f"site/{scene.fitout}/{scene.site}"), room)
        items = _items(random.Random(f"items/{scene.fitout}/{scene.site}"), random.Random(f"day/{scene.day}"))
        _LAYER_CACHE[key] = (fixtures, items)
    if len(_LAYER_CACHE) > 8:
        for old in list(_LAYER_CACHE)[:-4]:
            if old not in (fit_key, key):
                del _LAYER_CACHE[old]
    return (_LAYER_CACHE[fit_key], *_LAYER_CACHE[key])


def _homography(cam: Camera, depth: float) -> np.ndarray:
    w, h = cam.size
    cx = WORLD / 2 + cam.aim[0] + cam.shift[0] / depth
    cy = WORLD / 2 + cam.aim[1] + cam.shift[1] / depth
    a = math.radians(cam.roll)
    to_centre = np.array([[1, 0, -cx], [0, 1, -cy], [0, 0, 1]], np.float64)
    turn = np.array([[cam.zoom * math.cos(a), -cam.zoom * math.sin(a), 0],
                     [cam.zoom * math.sin(a), cam.zoom * math.cos(a), 0], [0, 0, 1]], np.float64)
    tilt = np.array([[1, 0, 0], [0, 1, 0], [cam.keystone[0] * 2 / w, cam.keystone[1] * 2 / h, 1]], np.float64)
    to_frame = np.array([[1, 0, w / 2], [0, 1, h / 2], [0, 0, 1]], np.float64)
    return to_frame @ tilt @ turn @ to_centre


def render(scene: Scene, cam: Camera) -> np.ndarray:
    """The photo (RGB, uint8) of ``scene`` taken with ``cam``."""
    walls, (fix, fix_a), (items, items_a) = _layers(scene)
    size = cam.size
    out = cv2.warpPerspective(walls, _homography(cam, DEPTHS[0]), size, flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REFLECT)
    for layer, alpha, depth in ((fix, fix_a, DEPTHS[1]), (items, items_a, DEPTHS[2])):
        m = _homography(cam, depth)
        rgb = cv2.warpPerspective(layer, m, size, flags=cv2.INTER_LINEAR)
        a = cv2.warpPerspective(alpha, m, size, flags=cv2.INTER_LINEAR).astype(np.float32) / 255
        out = cv2.blendLinear(rgb, out, a, 1 - a)
    out = out.astype(np.float32)
    w, h = size
    xs = np.linspace(-1, 1, w, dtype=np.float32)[None, :]
    ys = np.linspace(-1, 1, h, dtype=np.float32)[:, None]
    light = cam.gain * (1 + cam.slope[0] * xs + cam.slope[1] * ys) * (1 - 0.18 * (xs * xs + ys * ys) / 2)
    out *= light[..., None]
    out *= np.array(cam.tint, np.float32)[None, None, :]
    lit = np.clip(out, 0, 255, out=out).astype(np.uint8)
    gamma = (255 * (np.arange(256) / 255) ** cam.gamma).astype(np.uint8)
    lit = cv2.GaussianBlur(cv2.LUT(lit, gamma), (0, 0), cam.blur)
    noise = np.empty(lit.shape, np.int16)
    cv2.setRNGSeed(cam.noise_seed)
    cv2.randn(noise, 0, cam.noise)
    return cv2.add(lit, noise, dtype=cv2.CV_8U)
