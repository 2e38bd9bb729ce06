"""Measure what a flood of HTTP requests costs a live show: runs `likeness show` (release build) on an
exhibition under Xvfb with `[remote]` on a free port, counts new frames for 10 s, then for 10 s while four
keep-alive clients (127.0.0.2 … 127.0.0.5) send 250 status requests a second each, and prints both rates and the
detail level. Usage: .venv/bin/python Scripts/remote_flood.py [EXHIBITION] (default Exhibition/default.toml);
pause anything else that uses the cores while it runs."""
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    exhibition = Path(sys.argv[1] if len(sys.argv) > 1 else REPO / "Exhibition" / "default.toml")
    port = free_port()
    text = exhibition.read_text().replace('path = "Models/', f'path = "{REPO}/Models/') + f'\n[remote]\nlisten = "127.0.0.1:{port}"\n'
    folder = Path(tempfile.mkdtemp())
    (folder / "flood.toml").write_text(text)
    xvfb = subprocess.Popen(["Xvfb", ":97", "-screen", "0", "1920x1080x24"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    show = subprocess.Popen([str(REPO / ".build" / "release" / "likeness"), "show", str(folder / "flood.toml"), "--seconds", "60"],
                            env=dict(os.environ, DISPLAY=":97"), stderr=subprocess.DEVNULL)

    def status():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", "/api/status")
        return json.loads(c.getresponse().read())["screens"][0]

    try:
        for _ in range(100):
            try:
                if status()["framesShown"] > 30:
                    break
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.3)
        time.sleep(5)

        def rate(seconds):
            a, t = status()["framesShown"], time.time()
            time.sleep(seconds)
            s = status()
            return round((s["framesShown"] - a) / (time.time() - t), 2), s["level"]

        quiet = rate(10)
        stop, sent = threading.Event(), [0]

        def flood(source):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5, source_address=(source, 0))
            due = time.time()
            while not stop.is_set():
                due += 1 / 250
                try:
                    c.request("GET", "/api/status")
                    c.getresponse().read()
                except (OSError, http.client.HTTPException):
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5, source_address=(source, 0))
                sent[0] += 1
                if due > time.time():
                    time.sleep(due - time.time())

        threads = [threading.Thread(target=flood, args=(f"127.0.0.{i + 2}",)) for i in range(4)]
        started = time.time()
        for t in threads:
            t.start()
        flooded = rate(10)
        stop.set()
        for t in threads:
            t.join()
        print(json.dumps({"quiet": {"fps": quiet[0], "level": quiet[1]}, "flood": {"fps": flooded[0], "level": flooded[1]},
                          "requests_per_second": round(sent[0] / (time.time() - started), 1)}))
    finally:
        show.terminate()
        show.wait()
        xvfb.terminate()


if __name__ == "__main__":
    main()
