"""`likeness curate` end to end against the built binary: the API over HTTP, no acknowledged rating lost to
kill -9, a scripted rater whose taste steers `likeness frames`, and the page in a real browser (Chromium)."""
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[2]

FIXTURE_MODEL = REPO / "Tests" / "Fixtures" / "models" / "tiny-generator.onnx"
# The fixture's random weights paint nearly uniform squares, so the scripted rater and the browser use the
# shipped generator (LIKENESS_CURATE_MODEL picks another), the rater through the release build.
RATER_MODEL = Path(os.environ.get("LIKENESS_CURATE_MODEL", REPO / "Models" / "met-portraits-128" / "model.onnx")).resolve()


def release_binary() -> Path:
    path = Path(os.environ.get("LIKENESS_RELEASE_BIN", REPO / ".build" / "release" / "likeness"))
    if not path.is_file():
        pytest.fail(f"{path} not found: the scripted rater paints thousands of portraits; build with `swift build -c release` (as `make test` does)")
    return path
SCREENSHOTS = Path(os.environ.get("LIKENESS_SCREENSHOTS", REPO / ".cache" / "screenshots"))


def likeness_binary(release: bool = False) -> Path:
    if release:
        return release_binary()
    path = Path(os.environ.get("LIKENESS_BIN", REPO / ".build" / "debug" / "likeness"))
    if not path.is_file():
        pytest.fail(f"{path} not found: build the Swift package first (`swift build`, as `make test` does)")
    return path


class Curate:
    """A running `likeness curate --port 0`; the address comes from its first line."""

    def __init__(self, taste: Path, *extra: str, model: Path = FIXTURE_MODEL, release: bool = False):
        self.process = subprocess.Popen(
            [str(likeness_binary(release)), "curate", str(REPO / "Exhibition" / "default.toml"), "--model", str(model),
             "--taste", str(taste), "--port", "0", "--seed", "1", *extra],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        assert line.startswith("curate: open http://"), f"unexpected first line {line!r}; stderr: {self.process.stderr.read()}"
        self.url = line.split("open ", 1)[1].strip()
        self.base = self.url.split("?", 1)[0].rstrip("/")

    def call(self, method: str, path: str, body=None, headers=None):
        data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)

    def json(self, method: str, path: str, body=None):
        status, data, _ = self.call(method, path, body)
        return status, json.loads(data)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def rows(taste: Path):
    with sqlite3.connect(taste) as db:
        return db.execute("SELECT rating, undone_at FROM rating ORDER BY id").fetchall()


def border_luminance(png: bytes) -> float:
    """Mean luminance of the outer sixth of the picture: the scripted rater likes it dark."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.float64) / 255
    h, w, _ = pixels.shape
    band = max(1, w // 6)
    mask = np.ones((h, w), bool)
    mask[band:h - band, band:w - band] = False
    lum = pixels @ np.array([0.299, 0.587, 0.114])
    return float(lum[mask].mean())


def test_api_against_the_binary(tmp_path):
    curate = Curate(tmp_path / "taste.sqlite")
    try:
        status, page, headers = curate.call("GET", "/")
        assert status == 200 and b'id="portrait"' in page and "default-src 'none'" in headers["Content-Security-Policy"]
        status, candidate = curate.json("GET", "/api/candidate")
        assert status == 200 and candidate["image"] == f"/api/image/{candidate['id']}.png"
        status, png, headers = curate.call("GET", candidate["image"])
        assert status == 200 and headers["Content-Type"] == "image/png" and Image.open(io.BytesIO(png)).size == (512, 512)
        assert curate.json("POST", "/api/rating", {"id": candidate["id"], "rating": "favourite"}) == (200, {"ratings": 1})
        assert rows(tmp_path / "taste.sqlite") == [("favourite", None)]
        status, taste = curate.json("GET", "/api/taste")
        assert taste["counts"]["favourite"] == 1 and len(taste["model"]) == 64
        assert curate.call("POST", "/api/rating", b"x" * 100_000)[0] in (400, 413)
        assert curate.json("POST", "/api/rating", {"id": "nope", "rating": "like"})[0] == 400
        assert curate.json("GET", "/api/nothing")[0] == 404
        assert curate.call("POST", "/api/undo")[0] == 415, "a POST without the JSON type (as a form from another site) is refused"
        status, undone = curate.json("POST", "/api/undo", {})
        assert undone["ratings"] == 0 and undone["undone"] == {"rating": "favourite"}
        assert rows(tmp_path / "taste.sqlite")[0][1] is not None, "undo keeps the row, marked"
    finally:
        curate.stop()
    summary = subprocess.run([str(likeness_binary()), "taste", str(tmp_path / "taste.sqlite")], capture_output=True, text=True, cwd=REPO)
    assert summary.returncode == 0, summary.stderr
    assert "0 like, 0 dislike, 0 favourite, 0 skip; 1 undone" in summary.stdout
    exported = subprocess.run([str(likeness_binary()), "taste", str(tmp_path / "taste.sqlite"), "--csv", "-"],
                              capture_output=True, text=True, cwd=REPO)
    assert exported.returncode == 0 and exported.stdout.splitlines()[0].startswith("id,model_id,rating")
    assert len(exported.stdout.splitlines()) == 2


def test_kill_9_during_a_burst_loses_no_acknowledged_rating(tmp_path):
    taste = tmp_path / "taste.sqlite"
    curate = Curate(taste)
    kinds = ["like", "dislike", "favourite", "skip"]
    acknowledged = []
    try:
        candidates = [curate.json("GET", "/api/candidate")[1]["id"] for _ in range(100)]

        def burst(offset):
            for i in range(offset, 100, 2):
                try:
                    status, answer = curate.json("POST", "/api/rating", {"id": candidates[i], "rating": kinds[i % 4]})
                except (OSError, urllib.error.URLError, json.JSONDecodeError):
                    return
                if status == 200:
                    acknowledged.append(kinds[i % 4])

        threads = [threading.Thread(target=burst, args=(k,)) for k in (0, 1)]
        for t in threads:
            t.start()
        while len(acknowledged) < 40 and any(t.is_alive() for t in threads):
            time.sleep(0.005)
        curate.process.send_signal(signal.SIGKILL)
        for t in threads:
            t.join()
    finally:
        curate.stop()
    stored = rows(taste)
    assert len(acknowledged) >= 40
    assert len(stored) >= len(acknowledged), f"{len(acknowledged)} acknowledged, {len(stored)} in the file"
    for kind in kinds:
        assert sum(1 for r, _ in stored if r == kind) >= acknowledged.count(kind)


def test_a_scripted_raters_taste_steers_the_show(tmp_path):
    """Likes dark backgrounds (the darkest 30% of the plain show), rates 150 candidates through the API;
    then at strength 0.8 at least 80% of the show's keyframes have dark backgrounds."""
    def exhibition(name, taste_table=""):
        path = tmp_path / name
        path.write_text('[model]\npath = "%s"\n[motion]\nstyle = "sitters"\nhold = 1.0\nmorph = 0.0\n%s' % (RATER_MODEL, taste_table))
        return path

    def keyframes(path, count, folder):
        # Two frames a second of one-second sitters: the odd frames are mid-hold, where each shows its keyframe.
        result = subprocess.run([str(likeness_binary(release=True)), "frames", str(path), "--count", str(2 * count), "--fps", "2",
                                 "--size", "32x32", "--output", str(folder), "--seed", "3"], capture_output=True, text=True, cwd=REPO)
        assert result.returncode == 0, result.stderr
        return [border_luminance(p.read_bytes()) for p in sorted(folder.glob("frame-*.png"))[1::2]]

    plain = keyframes(exhibition("plain.toml"), 100, tmp_path / "plain")
    threshold = float(np.quantile(plain, 0.3))
    taste = tmp_path / "taste.sqlite"
    curate = Curate(taste, "--exploration", os.environ.get("LIKENESS_EXPLORATION", "0.25"), model=RATER_MODEL, release=True)
    try:
        for _ in range(150):
            candidate = curate.json("GET", "/api/candidate")[1]
            status, png, _ = curate.call("GET", candidate["image"] + "?size=32")
            assert status == 200
            liked = border_luminance(png) < threshold
            assert curate.json("POST", "/api/rating", {"id": candidate["id"], "rating": "like" if liked else "dislike"})[0] == 200
        taste_answer = curate.json("GET", "/api/taste")[1]
        accuracy = taste_answer["accuracy"]
        print(f"refit with cross-validation after 150 ratings: {taste_answer['refitSeconds'] * 1000:.1f} ms")
    finally:
        curate.stop()
    steered = keyframes(exhibition("steered.toml", '[taste]\nfile = "%s"\nstrength = 0.8\nfavourites = 0\n' % taste), 50, tmp_path / "steered")
    base = float(np.mean(np.array(plain[:50]) < threshold))
    share = float(np.mean(np.array(steered) < threshold))
    print(f"dark-background share: base {base:.2f}, steered {share:.2f}; cross-validated accuracy {accuracy}")
    assert base < 0.5
    assert share >= 0.8, f"steered share {share:.2f} (base {base:.2f}, accuracy {accuracy})"


def chromium_paths():
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None)
    return browser, driver


@pytest.mark.skipif(None in chromium_paths(), reason="Debian's chromium and chromium-driver are not installed (make test installs them)")
def test_the_page_in_a_real_browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.keys import Keys

    browser, driver_path = chromium_paths()
    taste = tmp_path / "taste.sqlite"
    curate = Curate(taste, model=RATER_MODEL, release=True)
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1440,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.get(curate.url)

        def shown_src():
            return driver.execute_script(
                "const i = document.getElementById('portrait'); return i.classList.contains('shown') && i.complete ? i.src : null;")

        def wait_for_new(previous, timeout=60):
            end = time.time() + timeout
            while time.time() < end:
                src = shown_src()
                if src and src != previous:
                    return src
                time.sleep(0.05)
            raise AssertionError("no new portrait appeared")

        src = wait_for_new(None)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        body = driver.find_element("tag name", "body")
        time.sleep(3)  # let the page prefetch, as a person looking at the first portrait would
        delays = []
        for key in [Keys.ARROW_RIGHT] * 5 + [Keys.ARROW_LEFT] * 3:
            start = time.time()
            body.send_keys(key)
            src = wait_for_new(src)
            delays.append(time.time() - start)
            time.sleep(0.4)
        swipes = driver.execute_script("return window.likenessSwipeMs;")
        print("swipes (ms):", [round(s) for s in swipes])
        print(f"rating to the next portrait on screen, in the page: median {sorted(swipes)[len(swipes) // 2]:.0f} ms, "
              f"slowest {max(swipes):.0f} ms; through WebDriver: median {1000 * sorted(delays)[len(delays) // 2]:.0f} ms")
        # One touch swipe to the right across the portrait.
        box = driver.execute_script("const r = document.getElementById('card').getBoundingClientRect(); return [r.x, r.y, r.width, r.height];")
        x, y = box[0] + box[2] * 0.3, box[1] + box[3] * 0.5
        driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
        for step in range(1, 9):
            driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x + step * box[2] * 0.07, "y": y}]})
            time.sleep(0.02)
        driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        src = wait_for_new(src)
        end = time.time() + 20
        while time.time() < end and len(rows(taste)) < 9:
            time.sleep(0.1)
        assert [r for r, _ in rows(taste)] == ["like"] * 5 + ["dislike"] * 3 + ["like"]
        end = time.time() + 10
        while time.time() < end and "9 ratings" not in driver.find_element("id", "counter").text:
            time.sleep(0.1)
        assert "9 ratings" in driver.find_element("id", "counter").text
        driver.save_screenshot(str(SCREENSHOTS / "curate-desktop.png"))
        driver.set_window_size(390, 844)
        time.sleep(0.5)
        driver.save_screenshot(str(SCREENSHOTS / "curate-phone.png"))
    finally:
        driver.quit()
        curate.stop()
