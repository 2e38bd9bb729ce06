"""A stand-in for the show's remote-control server, to develop and test the remote page without a kiosk.

It serves the page exactly as the Swift binary will: the strings, the routes and the content types are read out of
Sources/LikenessRemote/Assets/*.swift, the content security policy out of LikenessServer's EmbeddedPage, on every request (edit the Swift, reload the browser), and it answers the API
(`GET /api/status`, `POST /api/command`, `GET /api/snapshot/<screen>.jpg|.png?width=N`) from an in-memory show with two
screens, "left" and "right", whose pictures Pillow paints. Limits as on the show: 10 commands a second per client,
4 snapshots a second per client (then 429). With --token the API wants the cookie that `/?token=…` sets (HttpOnly).

    .venv/bin/python Tests/Python/remote_mock.py --port 8322     # then open http://127.0.0.1:8322/ (or the phone's view)
"""
from __future__ import annotations

import argparse
import collections
import colorsys
import http.cookies
import http.server
import io
import json
import random
import re
import secrets
import threading
import time
import urllib.parse
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parents[2]
ASSETS = REPO / "Sources" / "LikenessRemote" / "Assets"
SERVER = REPO / "Sources" / "LikenessServer" / "APIMessages.swift"  # EmbeddedPage: the policy every embedded page is served with
COOKIE = "likeness-remote"


# MARK: - The Swift strings

class SwiftSourceError(ValueError):
    pass


def _literal(source: str, start: int, name: str) -> str:
    """The value of the Swift string literal that begins at `start`: "…", \"\"\"…\"\"\" or their raw #-forms."""
    hashes = len(source[start:]) - len(source[start:].lstrip("#"))
    pos = start + hashes
    multiline = source.startswith('"""', pos)
    if not multiline and not source.startswith('"', pos):
        raise SwiftSourceError(f"{name}: expected a string literal")
    pos += 3 if multiline else 1
    close = ('"""' if multiline else '"') + "#" * hashes
    escape = "\\" + "#" * hashes
    if multiline:
        if source[pos] != "\n":
            raise SwiftSourceError(f"{name}: a multi-line literal starts on the line after its opening quotes")
        pos += 1
    end = pos
    while True:
        if end >= len(source):
            raise SwiftSourceError(f"{name}: unterminated string literal")
        if source.startswith(escape, end):
            end += len(escape) + 1
        elif source.startswith(close, end):
            break
        else:
            end += 1
    body = source[pos:end]
    if multiline:
        # The closing quotes' indentation is stripped from every line; the last line break belongs to the syntax.
        line_start = source.rfind("\n", 0, end) + 1
        indent = source[line_start:end]
        if indent.strip():
            raise SwiftSourceError(f"{name}: the closing quotes must be alone on their line")
        lines = body.split("\n")[:-1]
        stripped = []
        for number, line in enumerate(lines):
            if line.startswith(indent):
                stripped.append(line[len(indent):])
            elif not line.strip():
                stripped.append("")
            else:
                raise SwiftSourceError(f"{name}: line {number + 1} of the literal is indented less than its closing quotes")
        body = "\n".join(stripped)
        body = re.sub(re.escape(escape) + r"[ \t]*\n", "", body)  # a backslash at a line's end continues the line
    return _unescape(body, escape, name)


def _unescape(body: str, escape: str, name: str) -> str:
    simple = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'"}
    out, i = [], 0
    while i < len(body):
        if body.startswith(escape, i):
            i += len(escape)
            char = body[i] if i < len(body) else ""
            if char in simple:
                out.append(simple[char])
                i += 1
            elif char == "u" and body.startswith("{", i + 1):
                close = body.index("}", i)
                out.append(chr(int(body[i + 2:close], 16)))
                i = close + 1
            elif char == "(":
                raise SwiftSourceError(f"{name}: string interpolation cannot be mirrored; keep the assets plain text")
            else:
                raise SwiftSourceError(f"{name}: unknown escape {escape}{char}")
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def swift_strings(files) -> dict[str, str]:
    """Every `static let name = <string literal>` in the .swift files, as the compiled binary holds it."""
    strings = {}
    for path in sorted(files):
        source = path.read_text(encoding="utf-8")
        for match in re.finditer(r"static let (\w+)\s*=\s*(?=#*\")", source):
            strings[match.group(1)] = _literal(source, match.end(), f"{path.name}: {match.group(1)}")
    return strings


def swift_routes(folder: Path = ASSETS) -> dict[str, tuple[str, str]]:
    """Request path → (asset, content type), read from RemoteAssets.Asset's `init?(path:)` and `contentType`."""
    source = (folder / "RemoteAssets.swift").read_text(encoding="utf-8")

    def block(header: str) -> str:
        start = source.index(header)
        return source[start:source.index("\n        }\n", start)]

    types = dict(re.findall(r'case \.(\w+): "([^"]+)"', block("public var contentType")))
    routes = {}
    for paths, asset in re.findall(r'case ((?:"[^"]+",?\s*)+): self = \.(\w+)', block("public init?(path: String)")):
        for path in re.findall(r'"([^"]+)"', paths):
            routes[path] = (asset, types[asset])
    if not routes or set(asset for asset, _ in routes.values()) != set(types):
        raise SwiftSourceError("RemoteAssets.swift: could not read the routes and content types of RemoteAssets.Asset")
    return routes


def assets(folder: Path = ASSETS, server: Path = SERVER) -> tuple[dict[str, tuple[bytes, str]], str]:
    """Path → (body, content type), and the content security policy, exactly as the Swift files declare them."""
    strings = swift_strings(folder.glob("*.swift"))
    served = {path: (strings[asset].encode("utf-8"), content_type) for path, (asset, content_type) in swift_routes(folder).items()}
    policy = swift_strings([server]).get("contentSecurityPolicy")
    if policy is None:
        raise SwiftSourceError(f"{server.relative_to(REPO)}: no `static let contentSecurityPolicy` (EmbeddedPage's) to serve the page with")
    return served, policy


# MARK: - The show

class Show:
    """What the kiosk would be doing: two screens moving through sitters, the live controls, the limits."""

    COMMANDS = ("pause", "resume", "next", "blackout", "overlay", "snapshot", "reload", "speed", "truncation")
    HOLD = 6.0  # show seconds per sitter

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.lock = threading.Lock()
        self.started = clock()
        self.last_tick = self.started
        self.paused = self.blackout = self.overlay = False
        self.speed, self.truncation = 1.0, 0.7
        self.last_error: str | None = None
        self.last_command_ms: float | None = None
        self.commands: list[tuple[str, object]] = []   # every accepted command, in order
        self.snapshots_saved = 0
        self.command_times: dict[str, collections.deque] = collections.defaultdict(collections.deque)
        self.snapshot_times: dict[str, collections.deque] = collections.defaultdict(collections.deque)
        self.snapshot_requests: list[tuple[str, int]] = []  # (screen, width) of every picture served
        self.in_flight = self.most_in_flight = 0
        self.screens = [
            {"name": "left", "level": 2, "maximumLevel": 2, "fps": 59.1, "ratio": 1.0, "behind": 0.0, "seed": 1201,
             "showTime": 40.0, "framesShown": 2364, "resembles": "resembles Rogier van der Weyden, Portrait of a Young Woman · The Met, object 436105"},
            {"name": "right", "level": 1, "maximumLevel": 2, "fps": 41.7, "ratio": 0.93, "behind": 1.4, "seed": 1202,
             "showTime": 13.0, "framesShown": 1668, "resembles": None},
        ]

    def _tick(self):
        now = self.clock()
        dt, self.last_tick = now - self.last_tick, now
        if self.paused:
            return
        for screen in self.screens:
            screen["showTime"] += dt * self.speed * screen["ratio"]
            screen["framesShown"] += int(round(dt * screen["fps"]))

    def status(self) -> dict:
        with self.lock:
            self._tick()
            return self._status()

    def _status(self) -> dict:
        return {
            "title": "Likeness", "version": "0.9.0-mock", "uptime": self.clock() - self.started, "open": True,
            "nextChange": "closes Mon 7 Dec 18:00 (Europe/Paris)", "paused": self.paused, "blackout": self.blackout,
            "overlay": self.overlay, "speed": self.speed, "truncation": self.truncation,
            "model": {"name": "met-portraits-128", "credit": "trained on The Met's open-access portraits"},
            "screens": [{
                "name": s["name"], "level": s["level"], "maximumLevel": s["maximumLevel"],
                "framesPerSecond": 0.0 if self.paused else s["fps"], "speed": s["ratio"], "showTime": s["showTime"],
                "behindSeconds": s["behind"], "sitter": self._sitter(s), "seed": s["seed"], "framesShown": s["framesShown"],
                "resembles": s["resembles"],
            } for s in self.screens],
            "lastError": self.last_error, "lastCommandMilliseconds": self.last_command_ms,
        }

    def _sitter(self, screen) -> int:
        return int(screen["showTime"] // self.HOLD)

    @staticmethod
    def _limited(times: collections.deque, limit: int, now: float) -> bool:
        while times and now - times[0] >= 1.0:
            times.popleft()
        if len(times) >= limit:
            return True
        times.append(now)
        return False

    def command(self, client: str, body: object) -> tuple[int, dict]:
        """(HTTP status, answer) for a command's JSON body."""
        with self.lock:
            if self._limited(self.command_times[client], 10, self.clock()):
                return 429, {"error": "too many commands: at most 10 a second"}
            if not isinstance(body, dict) or not isinstance(body.get("command"), str):
                return 400, {"error": 'expected {"command": …, "value": …}'}
            name, value = body["command"], body.get("value")
            if name not in self.COMMANDS:
                return 400, {"error": f"unknown command '{name}' (known: {', '.join(self.COMMANDS)})"}
            if name in ("blackout", "overlay") and not isinstance(value, bool):
                return 400, {"error": f"{name} needs a value true or false"}
            limits = {"speed": (0.01, 100), "truncation": (0.05, 2)}
            if name in limits:
                low, high = limits[name]
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
                    return 400, {"error": f"{name} must be a number from {low} to {high}"}
            self._tick()
            self.commands.append((name, value))
            if name == "pause":
                self.paused = True
            elif name == "resume":
                self.paused = False
            elif name == "next":
                for screen in self.screens:
                    screen["showTime"] = (self._sitter(screen) + 1) * self.HOLD + 0.01
            elif name in ("blackout", "overlay"):
                setattr(self, name, value)
            elif name == "snapshot":
                self.snapshots_saved += 1
            elif name == "reload":
                self.last_error = None
            elif name in limits:
                setattr(self, name, float(value))
            self.last_command_ms = round(random.uniform(60, 110), 1)
            return 200, self._status()

    def snapshot(self, client: str, screen_name: str, width: int, kind: str) -> tuple[int, bytes | dict]:
        with self.lock:
            screen = next((s for s in self.screens if s["name"] == screen_name), None)
            if screen is None:
                return 404, {"error": f"no screen '{screen_name}' (screens: {', '.join(s['name'] for s in self.screens)})"}
            if self._limited(self.snapshot_times[client], 4, self.clock()):
                return 429, {"error": "too many snapshots: at most 4 a second"}
            self._tick()
            sitter, blackout, overlay = self._sitter(screen), self.blackout, self.overlay
            self.snapshot_requests.append((screen_name, width))
        return 200, paint(screen_name, sitter, width, blackout, overlay, kind)


def paint(screen: str, sitter: int, width: int, blackout: bool, overlay: bool, kind: str) -> bytes:
    """A 16:9 stand-in for the screen: a plain ground and a head, both coloured by the sitter."""
    height = max(9, width * 9 // 16)
    hue = (sitter * 0.137 + (0.5 if screen == "right" else 0.0)) % 1.0
    ground = tuple(int(255 * c) for c in colorsys.hsv_to_rgb(hue, 0.35, 0.32))
    image = Image.new("RGB", (width, height), (0, 0, 0) if blackout else ground)
    if not blackout:
        draw = ImageDraw.Draw(image)
        cx, cy, r = width / 2, height * 0.55, height * 0.3
        skin = tuple(int(255 * c) for c in colorsys.hsv_to_rgb((hue + 0.08) % 1.0, 0.3, 0.78))
        draw.ellipse([cx - r * 1.6, cy + r * 0.9, cx + r * 1.6, cy + r * 3.2], fill=tuple(v // 2 for v in skin))
        draw.ellipse([cx - r * 0.75, cy - r, cx + r * 0.75, cy + r], fill=skin)
        for side in (-1, 1):
            draw.ellipse([cx + side * r * 0.3 - r * 0.08, cy - r * 0.2, cx + side * r * 0.3 + r * 0.08, cy - r * 0.05], fill=(40, 32, 28))
        if overlay:
            font = ImageFont.load_default(size=max(8, height // 12))
            draw.text((width * 0.04, height * 0.86), f"{screen} · sitter {sitter + 1}", fill=(230, 225, 215), font=font)
    buffer = io.BytesIO()
    if kind == "png":
        image.save(buffer, "PNG")
    else:
        image.save(buffer, "JPEG", quality=82)
    return buffer.getvalue()


# MARK: - HTTP

class Handler(http.server.BaseHTTPRequestHandler):
    server: "MockServer"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        if self.server.verbose:
            super().log_message(format, *args)

    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, answer: dict):
        self._send(status, json.dumps(answer).encode(), "application/json", {"Cache-Control": "no-store"})

    def _authorised(self) -> bool:
        if self.server.token is None:
            return True
        cookies = http.cookies.SimpleCookie(self.headers.get("Cookie", ""))
        return COOKIE in cookies and secrets.compare_digest(cookies[COOKIE].value, self.server.token)

    @property
    def client(self) -> str:
        return self.client_address[0]

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        token = self.server.token
        if token is not None and query.get("token") == [token]:
            # Like the show: the printed URL's token becomes an HttpOnly cookie, then the plain address.
            return self._send(303, b"", "text/plain", {"Location": "/", "Set-Cookie": f"{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"})
        served, policy = assets()
        if url.path in served:
            if not self._authorised():
                return self._send(401, b"Open the address the show printed (it carries the token).\n", "text/plain; charset=utf-8")
            body, content_type = served[url.path]
            return self._send(200, body, content_type, {"Cache-Control": "no-cache", "Content-Security-Policy": policy})
        if not url.path.startswith("/api/"):
            return self._json(404, {"error": f"no page at {url.path}"})
        if not self._authorised():
            return self._json(401, {"error": "this show needs its token: open the address it printed"})
        if url.path == "/api/status":
            return self._json(200, self.server.show.status())
        picture = re.fullmatch(r"/api/snapshot/([^/]+)\.(jpg|png)", url.path)
        if picture:
            try:
                width = int(query.get("width", ["640"])[0])
            except ValueError:
                return self._json(400, {"error": "width must be a whole number of pixels"})
            if not 16 <= width <= 1920:
                return self._json(400, {"error": "width must be from 16 to 1920 pixels"})
            show = self.server.show
            with show.lock:
                show.in_flight += 1
                show.most_in_flight = max(show.most_in_flight, show.in_flight)
            try:
                time.sleep(self.server.picture_delay)  # a real snapshot takes a moment: lets overlapping requests show up
                status, answer = show.snapshot(self.client, urllib.parse.unquote(picture.group(1)), width, picture.group(2))
            finally:
                with show.lock:
                    show.in_flight -= 1
            if status != 200:
                return self._json(status, answer)
            return self._send(200, answer, "image/png" if picture.group(2) == "png" else "image/jpeg", {"Cache-Control": "no-store"})
        return self._json(404, {"error": f"no API at {url.path}"})

    do_HEAD = do_GET

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length > 4096:
            self.close_connection = True
            return self._json(413, {"error": "a command is at most 4096 bytes"})
        data = self.rfile.read(length)
        if url.path != "/api/command":
            return self._json(404, {"error": f"no API at {url.path}"})
        if not self._authorised():
            return self._json(401, {"error": "this show needs its token: open the address it printed"})
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            return self._json(415, {"error": "send commands as application/json"})
        try:
            body = json.loads(data)
        except ValueError:
            return self._json(400, {"error": "the body is not JSON"})
        self._json(*self.server.show.command(self.client, body))


class MockServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0, token: str | None = None, verbose: bool = False,
                 picture_delay: float = 0.05):
        super().__init__((host, port), Handler)
        self.show = Show()
        self.token = token
        self.verbose = verbose
        self.picture_delay = picture_delay
        self.thread: threading.Thread | None = None

    @property
    def base(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        """The address to open (with the token, as the show prints it)."""
        return self.base + "/" + (f"?token={self.token}" if self.token else "")

    def start(self) -> "MockServer":
        self.thread = threading.Thread(target=self.serve_forever, name="remote-mock", daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8322)
    parser.add_argument("--token", help="want this token (as ?token=… once, then a cookie)")
    arguments = parser.parse_args()
    assets()  # fail now, not on the first request, if the Swift files cannot be read
    server = MockServer(arguments.host, arguments.port, arguments.token, verbose=True)
    print(f"remote mock: open {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
