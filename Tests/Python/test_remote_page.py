"""The remote-control page (Sources/LikenessRemote/Assets) in a real browser (Chromium), at a phone's size and a
desktop's, against remote_mock.py: the page the Swift binary serves, and the show's API with in-memory state."""
import base64
import json
import os
import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import remote_mock

SCREENSHOTS = Path(os.environ["LIKENESS_SCREENSHOTS"]) if os.environ.get("LIKENESS_SCREENSHOTS") else None
SIZES = {
    "phone": {"width": 390, "height": 844, "pixelRatio": 3.0, "mobile": True},
    "desktop": {"width": 1280, "height": 800, "pixelRatio": 1.0, "mobile": False},
}
PHONE_AGENT = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/126.0.0.0 Mobile Safari/537.36")


def chromium_paths():
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None)
    return browser, driver


def call(server, method, path, body=None, cookie=True, content_type="application/json"):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server.base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", content_type)
    if cookie and server.token:
        request.add_header("Cookie", f"{remote_mock.COOKIE}={server.token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


@pytest.fixture
def server():
    mock = remote_mock.MockServer(token="test-token-0123456789").start()
    yield mock
    mock.stop()


def test_the_mock_serves_the_swift_strings_and_the_api(server):
    assets, policy = remote_mock.assets()
    status, page, headers = call(server, "GET", "/")
    assert status == 200 and page == assets["/"][0] and headers["Content-Security-Policy"] == policy
    assert "default-src 'none'" in policy and "blob:" in policy, "the snapshots are shown as blob: URLs"
    for path in ("/page.js", "/page.css", "/icon.svg"):
        assert call(server, "GET", path)[1] == assets[path][0]
    assert call(server, "GET", "/favicon.ico")[0] == 404
    page_text = page.decode()
    assert "http" not in page_text.replace("http-equiv", ""), "no external resources"
    for handler in ("onclick=", "onload=", "oninput=", "onchange=", "onerror=", "<style", "style=\""):
        assert handler not in page_text, f"{handler} in the page: the content security policy refuses inline code and styles"
    assert call(server, "GET", "/api/status", cookie=False)[0] == 401
    status, body, _ = call(server, "GET", "/api/status")
    shown = json.loads(body)
    assert status == 200 and [s["name"] for s in shown["screens"]] == ["left", "right"]
    assert call(server, "POST", "/api/command", {"command": "speed", "value": 500})[0] == 400
    assert call(server, "POST", "/api/command", {"command": "pause"}, content_type="text/plain")[0] == 415
    status, body, _ = call(server, "POST", "/api/command", {"command": "pause"})
    assert status == 200 and json.loads(body)["paused"] is True
    status, jpeg, headers = call(server, "GET", "/api/snapshot/left.jpg?width=320")
    assert status == 200 and headers["Content-Type"] == "image/jpeg" and jpeg[:2] == b"\xff\xd8"
    codes = [call(server, "POST", "/api/command", {"command": "resume"})[0] for _ in range(12)]
    assert codes.count(429) >= 2 and json.loads(call(server, "POST", "/api/command", {"command": "next"})[1])["error"]


@pytest.mark.skipif(None in chromium_paths(), reason="Debian's chromium and chromium-driver are not installed (make test installs them)")
@pytest.mark.parametrize("size", list(SIZES))
def test_the_page_in_a_real_browser(server, size):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    metrics = SIZES[size]
    browser, driver_path = chromium_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 f"--window-size={metrics['width']},{metrics['height']}"):
        options.add_argument(flag)
    if metrics["mobile"]:
        options.add_experimental_option("mobileEmulation", {
            "deviceMetrics": {"width": metrics["width"], "height": metrics["height"], "pixelRatio": metrics["pixelRatio"], "touch": True},
            "userAgent": PHONE_AGENT})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    show = server.show
    try:
        if not metrics["mobile"]:
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": metrics["width"], "height": metrics["height"], "deviceScaleFactor": metrics["pixelRatio"], "mobile": False})
        driver.get(server.url)  # ?token=… → an HttpOnly cookie, then "/"

        def script(code, *arguments):
            return driver.execute_script(code, *arguments)

        def wait_for(condition, what, timeout=10.0):
            end = time.time() + timeout
            while time.time() < end:
                value = condition()
                if value:
                    return value
                time.sleep(0.05)
            raise AssertionError(f"{size}: {what} (after {timeout:.0f} s)")

        def errors():
            return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]

        def shoot(name):
            if SCREENSHOTS is None:
                return
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(SCREENSHOTS / f"remote-{size}{name}.png"))

        def card_text(screen):
            return script("const c = document.querySelector(`.screen[data-screen='${arguments[0]}']`); return c ? c.innerText : '';", screen)

        def last_command():
            with show.lock:
                return show.commands[-1] if show.commands else None

        def click(element_id):
            driver.find_element("id", element_id).click()

        # Loads, with both screens and their pictures, and no console errors.
        assert driver.current_url.rstrip("/") == server.base and script("return document.cookie") == "", "the cookie is HttpOnly"
        wait_for(lambda: script("""
            const imgs = [...document.querySelectorAll('.screen img')];
            return imgs.length === 2 && imgs.every((i) => i.complete && i.naturalWidth > 0);"""), "both screens' pictures loaded")
        status = show.status()
        left, right = status["screens"]
        wait_for(lambda: f"Sitter No. {left['sitter'] + 1}" in card_text("left"), "the left screen's sitter")
        assert "level 2/2" in card_text("left") and "59.1 new frames/s" in card_text("left") and "speed 100%" in card_text("left")
        assert "resembles Rogier van der Weyden, Portrait of a Young Woman" in card_text("left") and "resembles resembles" not in card_text("left")
        assert "level 1/2" in card_text("right") and "speed 93%" in card_text("right") and "1.4 s behind" in card_text("right")
        assert "resembles" not in card_text("right")
        header = driver.find_element("tag name", "header").text
        assert "open" in header and "closes Mon 7 Dec 18:00 (Europe/Paris)" in header
        logged = errors()
        assert logged == [], f"console errors: {logged}"

        # Thumb-sized controls, nothing wider than the screen.
        small = script("""return [...document.querySelectorAll('button')].map((b) => [b.id, b.getBoundingClientRect()])
                          .filter(([, r]) => r.width < 44 || r.height < 44).map(([id, r]) => `${id} ${r.width}x${r.height}`);""")
        assert small == [], f"buttons under 44 px: {small}"
        assert script("return document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"

        # Pictures: a new one about once a second, one request at a time, sized to the element, never blank in between.
        script("""window.blankFrames = 0;
                  const look = () => { for (const i of document.querySelectorAll('.screen img')) if (!i.complete || !i.naturalWidth) window.blankFrames++;
                                       requestAnimationFrame(look); };
                  requestAnimationFrame(look);""")
        first = script("return document.querySelector(\".screen[data-screen='left'] img\").src")
        wait_for(lambda: script("return document.querySelector(\".screen[data-screen='left'] img\").src") != first, "a new picture", 4)
        shown_at = len(show.snapshot_requests)
        time.sleep(3)
        requested = show.snapshot_requests[shown_at:]
        assert 3 <= len(requested) <= 8, f"{len(requested)} pictures in 3 s for two screens: {requested}"
        assert {name for name, _ in requested} == {"left", "right"}
        css_width = script("return document.querySelector(\".screen[data-screen='left'] .picture\").clientWidth")
        expected = min(1024, css_width * metrics["pixelRatio"])
        assert all(expected <= width <= expected + 16 for name, width in requested if name == "left"), (css_width, requested)
        assert show.most_in_flight == 1, "one picture request at a time"
        assert script("return window.blankFrames") == 0, "a picture went blank while the next one loaded"
        shoot("")
        if SCREENSHOTS is not None and metrics["mobile"]:
            shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
            (SCREENSHOTS / f"remote-{size}-full.png").write_bytes(base64.b64decode(shot["data"]))

        # Hidden (another app in front): no pictures; visible again: pictures again.
        script("""Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});
                  document.dispatchEvent(new Event('visibilitychange'));""")
        time.sleep(0.5)
        hidden_at = len(show.snapshot_requests)
        time.sleep(2.5)
        assert len(show.snapshot_requests) == hidden_at, "pictures while the page is hidden"
        script("""Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'visible'});
                  document.dispatchEvent(new Event('visibilitychange'));""")
        wait_for(lambda: len(show.snapshot_requests) > hidden_at, "pictures again once visible", 3)

        # Pause toggles to Resume, and back.
        pause = driver.find_element("id", "pause")
        assert pause.text == "Pause"
        pause.click()
        wait_for(lambda: pause.text == "Resume", "the pause button to read Resume")
        assert show.paused and last_command() == ("pause", None)
        assert "paused" in driver.find_element("tag name", "header").text
        time.sleep(1.2)  # a poll later, it still reads Resume
        assert pause.text == "Resume"
        pause.click()
        wait_for(lambda: pause.text == "Pause", "the pause button to read Pause again")
        assert not show.paused and last_command() == ("resume", None)

        # Next sitter, blackout, overlay.
        before = show.status()["screens"][0]["sitter"]
        click("next")
        wait_for(lambda: last_command() == ("next", None), "a next command")
        wait_for(lambda: f"Sitter No. {before + 2}" in card_text("left"), "the next sitter on the card")
        for name in ("blackout", "overlay"):
            button = driver.find_element("id", name)
            assert button.get_attribute("aria-pressed") == "false"
            button.click()
            wait_for(lambda: button.get_attribute("aria-pressed") == "true", f"{name} pressed")
            assert last_command() == (name, True) and getattr(show, name) is True
        click("blackout")
        wait_for(lambda: last_command() == ("blackout", False), "blackout off")
        wait_for(lambda: driver.find_element("id", "blackout").get_attribute("aria-pressed") == "false", "blackout shown off")
        assert show.blackout is False
        time.sleep(1.5)  # pictures with the overlay
        shoot("-overlay")

        # Snapshot: saved on the show machine, as the status line says.
        click("snapshot")
        wait_for(lambda: show.snapshots_saved == 1, "a snapshot command")
        wait_for(lambda: "saved on the show machine" in driver.find_element("id", "message").text, "the snapshot's note")

        # The speed slider (log scale, 0.1× to 4×): a drag from about 20% to 85% sends one speed command, on release,
        # with the value the page shows.
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", driver.find_element("id", "speed"))
        slider = driver.find_element("id", "speed")
        count = len(show.commands)
        width = slider.size["width"]
        ActionChains(driver).move_to_element_with_offset(slider, int(-width * 0.3), 0).click_and_hold() \
            .move_by_offset(int(width * 0.3), 0).pause(0.1).move_by_offset(int(width * 0.35), 0).pause(0.1).release().perform()
        time.sleep(1.2)
        speeds = [c for c in show.commands[count:] if c[0] == "speed"]
        assert len(speeds) == 1, f"one speed command for a drag: {show.commands[count:]}"
        value = speeds[0][1]
        assert 1.5 < value < 3.2 and show.speed == value, value  # dragged to about 85%: 0.1 × 40^0.85 ≈ 2.3
        assert driver.find_element("id", "speed-value").text == remote_mock_speed_text(value)

        # The truncation slider by keys: two steps down, one command.
        count = len(show.commands)
        driver.find_element("id", "truncation").send_keys(Keys.ARROW_LEFT, Keys.ARROW_LEFT)
        wait_for(lambda: any(c[0] == "truncation" for c in show.commands[count:]), "a truncation command", 3)
        time.sleep(0.8)
        truncations = [c for c in show.commands[count:] if c[0] == "truncation"]
        assert truncations == [("truncation", 0.6)], truncations
        assert driver.find_element("id", "truncation-value").text == "0.60"
        logged = errors()
        assert logged == [], f"console errors: {logged}"

        # Too many commands: the server's message appears in the status line.
        for _ in range(10):
            call(server, "POST", "/api/command", {"command": "overlay", "value": True})
        click("next")
        wait_for(lambda: "too many commands" in driver.find_element("id", "message").text, "the 429's message in the status line", 3)
        assert driver.find_element("id", "message").get_attribute("role") == "status"
        shoot("-error")
        unexpected = [e for e in errors() if "429" not in e["message"]]
        assert unexpected == [], f"console errors: {unexpected}"
    finally:
        driver.quit()


def remote_mock_speed_text(value: float) -> str:
    """The page's speed label: two decimals without trailing zeros, then ×."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text + "×"
