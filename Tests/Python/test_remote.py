"""The remote control of a live show, with real peers: `likeness show` under Xvfb with `[remote]`, driven over
HTTP (urllib), over OSC (python-osc, both ways), read by Prometheus's own parser (prometheus_client), its page in
headless Chromium, and a flood of requests while the show keeps its frame rate."""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("LIKENESS_SCREENSHOTS", REPO / ".cache" / "screenshots"))
REPORT = REPO / ".cache" / "remote-report.json"


def binary() -> Path:
    path = Path(os.environ.get("LIKENESS_RELEASE_BIN", REPO / ".build" / "release" / "likeness"))
    if not path.is_file():
        pytest.fail(f"{path} not found: build with `swift build -c release` (as `make test` does)")
    return path


def free_port(kind=socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Xvfb:
    def __init__(self):
        if shutil.which("Xvfb") is None:
            pytest.skip("Xvfb is not installed (make deps installs it)")
        for display in range(91, 120):
            if not Path(f"/tmp/.X11-unix/X{display}").exists() and not Path(f"/tmp/.X{display}-lock").exists():
                break
        self.display = f":{display}"
        self.process = subprocess.Popen(["Xvfb", self.display, "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if Path(f"/tmp/.X11-unix/X{display}").exists():
                return
            time.sleep(0.05)
        raise RuntimeError("Xvfb did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


class Show:
    """`likeness show` with `[remote]` on free ports: HTTP, OSC in, OSC out to `osc_out`."""

    def __init__(self, tmp: Path, display: str, osc_out: int, seconds: float = 120):
        self.http_port, self.osc_port = free_port(), free_port(socket.SOCK_DGRAM)
        model = REPO / "Models" / "met-portraits-128" / "model.onnx"
        exhibition = tmp / "remote.toml"
        exhibition.write_text(f"""
title = "Remote test"
[model]
path = "{model}"
detail = []
[window]
fullscreen = false
windowed_width = 480
windowed_height = 480
fps = 30
[remote]
listen = "127.0.0.1:{self.http_port}"
osc_listen = "127.0.0.1:{self.osc_port}"
osc_send = "127.0.0.1:{osc_out}"
osc_allow = ["127.0.0.1"]
[[screens]]
name = "main"
seed = 3
""")
        env = dict(os.environ, DISPLAY=display)
        env.pop("SDL_VIDEODRIVER", None)
        self.process = subprocess.Popen([str(binary()), "show", str(exhibition), "--seconds", str(seconds), "--windowed"],
                                        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = []
        threading.Thread(target=self._read, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.http_port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                status = self.get_json("/api/status")
                if status["screens"][0]["framesShown"] > 10:
                    return
            except (OSError, ValueError, KeyError, AssertionError, urllib.error.URLError):
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError("the show did not come up: " + "".join(self.lines[-20:]))

    def _read(self):
        for line in self.process.stderr:
            self.lines.append(line)

    def call(self, method, path, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)

    def get_json(self, path):
        status, data, _ = self.call("GET", path)
        assert status == 200, (status, data)
        return json.loads(data)

    def command(self, name, value=None):
        body = {"command": name} if value is None else {"command": name, "value": value}
        status, data, _ = self.call("POST", "/api/command", body)
        assert status == 200, (status, data)
        return json.loads(data)

    def frames(self):
        return self.get_json("/api/status")["screens"][0]["framesShown"]

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture(scope="module")
def rig(tmp_path_factory):
    from pythonosc.dispatcher import Dispatcher
    from pythonosc.osc_server import ThreadingOSCUDPServer
    received = []
    dispatcher = Dispatcher()
    dispatcher.set_default_handler(lambda address, *args: received.append((time.time(), address, args)))
    osc_out = free_port(socket.SOCK_DGRAM)
    server = ThreadingOSCUDPServer(("127.0.0.1", osc_out), dispatcher)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    xvfb = Xvfb()
    show = Show(tmp_path_factory.mktemp("remote"), xvfb.display, osc_out)
    yield show, received
    show.stop()
    server.shutdown()
    xvfb.stop()


def test_http_pauses_and_moves_the_show_on(rig):
    show, _ = rig
    status = show.command("pause")
    assert status["paused"] is True
    before = show.frames()
    time.sleep(1.0)
    assert show.frames() == before, "paused: frames stop advancing"
    assert show.command("resume")["paused"] is False
    time.sleep(0.5)
    assert show.frames() > before
    sitter = show.get_json("/api/status")["screens"][0]["sitter"]
    show.command("next")
    deadline = time.time() + 6
    while time.time() < deadline and show.get_json("/api/status")["screens"][0]["sitter"] == sitter:
        time.sleep(0.1)
    assert show.get_json("/api/status")["screens"][0]["sitter"] != sitter, "next moves the sitter on"
    assert show.command("speed", 0.5)["speed"] == 0.5
    assert show.command("speed", 1)["speed"] == 1
    code, data, _ = show.call("POST", "/api/command", {"command": "speed", "value": 500})
    assert code == 400 and "0.01" in json.loads(data)["error"]
    code, data, _ = show.call("GET", "/api/snapshot/main.jpg?width=256")
    assert code == 200 and data[:2] == b"\xff\xd8"
    code, data, _ = show.call("GET", "/api/snapshot/main.png")
    assert code == 200 and data[:8] == b"\x89PNG\r\n\x1a\n"


def test_metrics_parse_with_prometheus_client(rig):
    from prometheus_client.parser import text_string_to_metric_families
    show, _ = rig
    _, data, headers = show.call("GET", "/metrics")
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(data.decode())}
    for name in ["likeness_frames_shown", "likeness_new_frames_per_second", "likeness_speed_ratio", "likeness_behind_wall_clock_seconds",
                 "likeness_detail_level", "likeness_stage_milliseconds", "likeness_open", "likeness_commands", "process_resident_memory_bytes",
                 "process_cpu_seconds"]:
        assert name in families, f"{name} missing from {sorted(families)}"
    shown = [s for s in families["likeness_frames_shown"].samples if s.labels.get("screen") == "main"]
    assert shown and shown[0].value > 10
    assert families["likeness_open"].samples[0].value == 1
    stages = {s.labels["stage"] for s in families["likeness_stage_milliseconds"].samples}
    assert "generator" in stages and "rgb8" in stages
    sources = {s.labels["source"] for s in families["likeness_commands"].samples}
    assert "http" in sources


def test_osc_in_and_out(rig):
    from pythonosc.udp_client import SimpleUDPClient
    show, received = rig
    client = SimpleUDPClient("127.0.0.1", show.osc_port)
    client.send_message("/likeness/pause", [])
    deadline = time.time() + 3
    while time.time() < deadline and not show.get_json("/api/status")["paused"]:
        time.sleep(0.05)
    assert show.get_json("/api/status")["paused"] is True
    client.send_message("/likeness/resume", [])
    client.send_message("/likeness/speed", 0.5)
    time.sleep(0.5)
    status = show.get_json("/api/status")
    assert status["paused"] is False and status["speed"] == 0.5
    client.send_message("/likeness/speed", 1.0)
    client.send_message("/likeness/blackout", 1)
    time.sleep(0.3)
    assert show.get_json("/api/status")["blackout"] is True
    client.send_message("/likeness/blackout", 0)
    client.send_message("/likeness/next", [])
    client.send_message("/not/ours", 1)   # one log line, nothing else
    deadline = time.time() + 6
    while time.time() < deadline and not any(a == "/likeness/sitter" and t > time.time() - 5 for t, a, _ in received):
        time.sleep(0.1)
    addresses = [a for _, a, _ in received]
    assert addresses.count("/likeness/heartbeat") >= 2, addresses[-20:]
    sitters = [args for _, a, args in received if a == "/likeness/sitter"]
    assert sitters and sitters[-1][0] == "main" and isinstance(sitters[-1][1], int)
    assert "/likeness/open" in addresses and "/likeness/level" in addresses
    sources = show.get_json("/api/status")
    assert any("unknown address /not/ours" in line for line in show.lines), show.lines[-10:]
    assert sources["lastError"] is None or "ours" not in sources["lastError"]


def test_junk_idle_connections_and_a_flood_keep_the_frame_rate(rig):
    show, _ = rig

    def rate(seconds):
        a, t0 = show.frames(), time.time()
        time.sleep(seconds)
        return (show.frames() - a) / (time.time() - t0)

    quiet = rate(5)
    # 300 idle connections, junk and malformed requests.
    idle = []
    for _ in range(300):
        s = socket.create_connection(("127.0.0.1", show.http_port))
        idle.append(s)
    for junk in [b"\x00\x01\x02garbage\r\n\r\n", b"GET /api/status HTTP/9.9\r\n\r\n", b"POST /api/command HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n",
                 b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n", b"GET /api/status HTTP/1.1\r\nHost: evil\r\n\r\n"]:
        with socket.create_connection(("127.0.0.1", show.http_port)) as s:
            s.sendall(junk)
            s.settimeout(3)
            try:
                s.recv(4096)
            except OSError:
                pass
    # A flood: about 1,000 requests a second for 5 s from 4 keep-alive clients.
    stop = threading.Event()
    counts = {"sent": 0, "ok": 0, "limited": 0, "other": 0}
    lock = threading.Lock()

    def flood(source):
        # From 127.0.0.2 … 127.0.0.5: four clients, each limited on its own; the probes below come from 127.0.0.1.
        connection = http.client.HTTPConnection("127.0.0.1", show.http_port, timeout=5, source_address=(source, 0))
        next_at = time.time()
        while not stop.is_set():
            next_at += 1 / 250
            try:
                connection.request("GET", "/api/status")
                response = connection.getresponse()
                response.read()
                key = "ok" if response.status == 200 else "limited" if response.status == 429 else "other"
            except (OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection("127.0.0.1", show.http_port, timeout=5, source_address=(source, 0))
                key = "other"
            with lock:
                counts["sent"] += 1
                counts[key] += 1
            delay = next_at - time.time()
            if delay > 0:
                time.sleep(delay)

    threads = [threading.Thread(target=flood, args=(f"127.0.0.{i + 2}",)) for i in range(4)]
    t0 = time.time()
    for t in threads:
        t.start()
    flooded = rate(5)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.time() - t0
    for s in idle:
        s.close()
    after = rate(3)
    report = {"quiet_fps": round(quiet, 2), "flood_fps": round(flooded, 2), "after_fps": round(after, 2),
              "flood_requests_per_second": round(counts["sent"] / elapsed, 1), "flood": counts, "idle_connections": len(idle)}
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2))
    print(report)
    assert show.process.poll() is None, "the show is still running"
    assert show.get_json("/api/status")["open"] is True, "the API still answers"
    assert counts["sent"] / elapsed > 600, report
    assert flooded >= 0.95 * quiet, report


def test_the_control_page_in_chromium(rig):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.skip("chromium and chromium-driver are not installed (make test installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    show, _ = rig
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, size, mobile in [("phone", (390, 844), True), ("desktop", (1280, 800), False)]:
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]:
            options.add_argument(flag)
        if mobile:
            options.add_experimental_option("mobileEmulation", {"deviceMetrics": {"width": size[0], "height": size[1], "pixelRatio": 3}})
        else:
            options.add_argument(f"--window-size={size[0]},{size[1]}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        browser = webdriver.Chrome(service=Service(driver), options=options)
        try:
            browser.get(show.base + "/")
            deadline = time.time() + 20
            loaded = False
            while time.time() < deadline and not loaded:
                loaded = browser.execute_script("return [...document.querySelectorAll('img')].some(i => i.complete && i.naturalWidth > 0)")
                time.sleep(0.3)
            assert loaded, f"the live picture loaded; browser log: {browser.get_log('browser')}"
            text = browser.find_element("tag name", "body").text
            assert "Remote test" in text or "main" in text.lower()
            browser.save_screenshot(str(SCREENSHOTS / f"remote-{name}.png"))
            errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
            assert not errors, errors
        finally:
            browser.quit()
