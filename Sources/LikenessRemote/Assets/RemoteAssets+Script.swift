extension RemoteAssets {
    /// Status every second, each screen's picture about once a second while the page is visible, the buttons and
    /// sliders as commands; after every command the page shows the state the server answered with.
    static let script = #"""
    "use strict";
    (() => {
      const STATUS_EVERY = 1000;    // ms between status polls
      const PICTURE_EVERY = 1000;   // ms between a screen's pictures
      const SEND_AFTER = 300;       // ms a slider waits after its last change before it sends
      const SPEED_MIN = 0.1, SPEED_MAX = 4, SPEED_STEPS = 100;

      const $ = (id) => document.getElementById(id);
      const screensBox = $("screens"), template = $("screen-card"), message = $("message");
      const pauseButton = $("pause"), speedInput = $("speed"), truncationInput = $("truncation");

      let status = null;            // the last status the server sent
      let epoch = 0;                // bumped by every answered command: older polls are stale
      const cards = new Map();      // screen name → {root, img, fields…}
      const sliders = { speed: { input: speedInput, editing: false, timer: null },
                        truncation: { input: truncationInput, editing: false, timer: null } };

      // The status line: a command's answer for a while, else a lost connection, else the show's last error.
      const notes = { said: "", until: 0, connection: "" };
      function say(text, seconds) { notes.said = text; notes.until = Date.now() + 1000 * (seconds || 6); showMessage(); }
      function showMessage() {
        let text = "";
        if (notes.said && Date.now() < notes.until) text = notes.said;
        else if (notes.connection) text = notes.connection;
        else if (status && status.lastError) text = "The show says: " + status.lastError;
        if (message.textContent !== text) message.textContent = text;
      }
      setInterval(showMessage, 1000);

      async function json(url, options) {
        const response = await fetch(url, Object.assign({ credentials: "same-origin", cache: "no-store" }, options || {}));
        const body = await response.json().catch(() => ({}));
        if (!response.ok) {
          const error = new Error(body.error || response.statusText || ("HTTP " + response.status));
          error.status = response.status;
          throw error;
        }
        return body;
      }

      // What a failed status poll says: the token is missing, the server's own words (503: starting), or no answer.
      function lostConnection(error) {
        if (error.status === 401 || error.status === 403) return "This show needs its token: open the address it printed.";
        if (error.status && error.message) return error.message;
        return "Lost the show, retrying…";
      }

      // ---- rendering -------------------------------------------------------------------------------

      function number(value, digits) { return typeof value === "number" && isFinite(value) ? value.toFixed(digits) : "–"; }
      function speedText(value) {
        if (typeof value !== "number" || !isFinite(value)) return "–";
        return (value >= 10 ? value.toFixed(0) : value.toFixed(2).replace(/\.?0+$/, "")) + "×";
      }
      function duration(seconds) {
        const s = Math.max(0, Math.floor(seconds || 0));
        const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
        if (d) return d + " d " + h + " h";
        if (h) return h + " h " + m + " min";
        return m + " min";
      }
      function setText(element, text) { if (element.textContent !== text) element.textContent = text; }

      function render(next) {
        status = next;
        document.title = (next.title || "Likeness") + " · remote";
        setText($("title"), next.title || "Likeness");
        const openState = $("open");
        setText(openState, next.open ? "open" : "closed");
        openState.classList.toggle("closed", !next.open);
        setText($("next-change"), next.nextChange ? "· " + next.nextChange : "");
        setText($("modes"), [next.paused && "· paused", next.blackout && "· blackout"].filter(Boolean).join(" "));

        setText(pauseButton, next.paused ? "Resume" : "Pause");
        pauseButton.dataset.command = next.paused ? "resume" : "pause";
        pauseButton.classList.toggle("on", !!next.paused);
        for (const name of ["blackout", "overlay"]) {
          const button = $(name);
          button.setAttribute("aria-pressed", String(!!next[name]));
          setText(button.querySelector(".flag"), next[name] ? "on" : "off");
        }

        if (!sliders.speed.editing) {
          speedInput.value = String(speedPosition(next.speed));
          setText($("speed-value"), speedText(next.speed));
          $("speed-reset").disabled = next.speed === 1;
        }
        if (!sliders.truncation.editing) {
          truncationInput.value = String(next.truncation);
          setText($("truncation-value"), number(next.truncation, 2));
        }

        renderScreens(next.screens || []);
        const model = next.model || {};
        setText($("model"), [model.name, model.credit].filter(Boolean).join(" · "));
        const about = ["up " + duration(next.uptime)];
        if (typeof next.lastCommandMilliseconds === "number") about.push("last command on screen in " + Math.round(next.lastCommandMilliseconds) + " ms");
        if (next.version) about.push("v" + next.version);
        setText($("about"), about.join(" · "));
        showMessage();
      }

      function renderScreens(screens) {
        const names = new Set(screens.map((s) => s.name));
        for (const [name, card] of cards) { if (!names.has(name)) { card.root.remove(); cards.delete(name); } }
        screens.forEach((screen, index) => {
          let card = cards.get(screen.name);
          if (!card) {
            const root = template.content.firstElementChild.cloneNode(true);
            card = { root, picture: root.querySelector(".picture"), img: root.querySelector("img") };
            for (const field of ["name", "sitter", "level", "fps", "speed", "behind", "resembles"]) card[field] = root.querySelector("." + field);
            root.dataset.screen = screen.name;
            card.img.alt = "what screen " + screen.name + " shows now";
            cards.set(screen.name, card);
          }
          if (screensBox.children[index] !== card.root) screensBox.insertBefore(card.root, screensBox.children[index] || null);
          setText(card.name, screen.name);
          setText(card.sitter, typeof screen.sitter === "number" ? "Sitter No. " + (screen.sitter + 1) : "");
          setText(card.level, "level " + screen.level + "/" + screen.maximumLevel);
          setText(card.fps, number(screen.framesPerSecond, 1) + " new frames/s");
          setText(card.speed, "speed " + Math.round(100 * (screen.speed || 0)) + "%");
          setText(card.behind, number(screen.behindSeconds, 1) + " s behind");
          setText(card.resembles, screen.resembles ? (/^resembles /.test(screen.resembles) ? screen.resembles : "resembles " + screen.resembles) : "");
          card.root.classList.toggle("slow", (screen.speed || 0) < 0.95);
        });
        screensBox.dataset.count = String(screens.length);
      }

      // ---- status ----------------------------------------------------------------------------------

      let statusTimer = null, polling = false;
      async function poll() {
        clearTimeout(statusTimer);
        statusTimer = null;
        if (polling || document.visibilityState === "hidden") return;
        polling = true;
        const startedAt = epoch;
        try {
          const next = await json("/api/status");
          notes.connection = "";
          if (startedAt === epoch) render(next);
        } catch (error) {
          notes.connection = lostConnection(error);
          showMessage();
        } finally {
          polling = false;
        }
        if (document.visibilityState !== "hidden") statusTimer = setTimeout(poll, STATUS_EVERY);
      }

      // ---- commands --------------------------------------------------------------------------------

      async function command(name, value, button) {
        const body = value === undefined ? { command: name } : { command: name, value };
        if (button) button.setAttribute("aria-busy", "true");
        try {
          const next = await json("/api/command", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
          epoch += 1;
          notes.connection = "";
          render(next);
          return true;
        } catch (error) {
          if (error.status === 429) say(error.message + " (try again in a moment)");
          else if (error.status) say(error.status === 401 || error.status === 403 ? lostConnection(error) : error.message);
          else say("Not sent: the show does not answer.");
          return false;
        } finally {
          if (button) button.removeAttribute("aria-busy");
        }
      }

      pauseButton.addEventListener("click", () => command(pauseButton.dataset.command, undefined, pauseButton));
      $("next").addEventListener("click", (event) => command("next", undefined, event.currentTarget));
      for (const name of ["blackout", "overlay"]) {
        const button = $(name);
        button.addEventListener("click", () => command(name, !(status && status[name]), button));
      }
      $("snapshot").addEventListener("click", async (event) => {
        if (await command("snapshot", undefined, event.currentTarget)) say("Snapshot saved on the show machine.");
      });

      // Reload asks for a second tap within three seconds: a stray thumb should not restart the show.
      const reloadButton = $("reload");
      let reloadArmed = null;
      reloadButton.addEventListener("click", async () => {
        if (!reloadArmed) {
          reloadButton.classList.add("armed");
          say("Tap Reload again to reload the exhibition.", 3);
          reloadArmed = setTimeout(() => { reloadArmed = null; reloadButton.classList.remove("armed"); }, 3000);
          return;
        }
        clearTimeout(reloadArmed);
        reloadArmed = null;
        reloadButton.classList.remove("armed");
        if (await command("reload", undefined, reloadButton)) say("Reloading the exhibition.");
      });

      // ---- sliders ---------------------------------------------------------------------------------

      // Speed on a log scale: position 0…100 is 0.1×…4×; close to 1× is 1×.
      function speedAt(position) {
        const value = SPEED_MIN * Math.pow(SPEED_MAX / SPEED_MIN, position / SPEED_STEPS);
        return Math.abs(value - 1) < 0.03 ? 1 : Number(value.toFixed(2));
      }
      function speedPosition(value) {
        if (!(value > 0)) return Math.round(SPEED_STEPS * Math.log(1 / SPEED_MIN) / Math.log(SPEED_MAX / SPEED_MIN));
        const position = SPEED_STEPS * Math.log(value / SPEED_MIN) / Math.log(SPEED_MAX / SPEED_MIN);
        return Math.max(0, Math.min(SPEED_STEPS, Math.round(position)));
      }
      function sliderValue(name) {
        return name === "speed" ? speedAt(Number(speedInput.value)) : Number(Number(truncationInput.value).toFixed(2));
      }
      function showSlider(name) {
        const value = sliderValue(name);
        setText($(name + "-value"), name === "speed" ? speedText(value) : value.toFixed(2));
        if (name === "speed") $("speed-reset").disabled = value === 1;
      }

      for (const name of Object.keys(sliders)) {
        const slider = sliders[name];
        // While a finger is on it (input), show the value; on release (change), send it once things settle.
        slider.input.addEventListener("input", () => { slider.editing = true; clearTimeout(slider.timer); showSlider(name); });
        slider.input.addEventListener("change", () => {
          slider.editing = true;
          showSlider(name);
          clearTimeout(slider.timer);
          slider.timer = setTimeout(async () => {
            await command(name, sliderValue(name), null);
            slider.editing = false;
            if (status) render(status);
          }, SEND_AFTER);
        });
      }
      $("speed-reset").addEventListener("click", (event) => {
        clearTimeout(sliders.speed.timer);
        speedInput.value = String(speedPosition(1));
        showSlider("speed");
        command("speed", 1, event.currentTarget);
      });

      // ---- pictures --------------------------------------------------------------------------------

      // One snapshot in flight at a time, each screen about once a second, only while the page is visible; the new
      // picture replaces the old one only once decoded, so nothing flickers.
      let picturesRunning = false;
      let pictureTimer = null;
      const lastPicture = new Map();   // screen name → when its last picture was asked for

      function snapshotWidth(card) {
        const cssWidth = card.picture.clientWidth || 320;
        return Math.min(1024, Math.max(64, Math.ceil(cssWidth * (window.devicePixelRatio || 1) / 16) * 16));
      }

      async function refreshPicture(name, card) {
        const url = "/api/snapshot/" + encodeURIComponent(name) + ".jpg?width=" + snapshotWidth(card);
        const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
        if (!response.ok) { const error = new Error("HTTP " + response.status); error.status = response.status; throw error; }
        const blob = await response.blob();
        const picture = new Image();
        const source = URL.createObjectURL(blob);
        picture.src = source;
        try { await picture.decode(); } catch (error) { URL.revokeObjectURL(source); throw error; }
        if (cards.get(name) !== card) { URL.revokeObjectURL(source); return; }
        picture.alt = card.img.alt;
        picture.draggable = false;
        const old = card.img;
        old.replaceWith(picture);
        card.img = picture;
        if (old.src.startsWith("blob:")) URL.revokeObjectURL(old.src);
        if (picture.naturalWidth && picture.naturalHeight) card.picture.style.aspectRatio = picture.naturalWidth + " / " + picture.naturalHeight;
        card.picture.classList.add("shown");
      }

      async function pictures() {
        if (picturesRunning) return;
        picturesRunning = true;
        clearTimeout(pictureTimer);
        pictureTimer = null;
        let wait = 250;
        try {
          while (document.visibilityState !== "hidden") {
            // The screen whose picture is oldest, if it is due.
            let due = null, dueAt = Infinity;
            for (const [name, card] of cards) {
              const at = (lastPicture.get(name) || 0) + PICTURE_EVERY;
              if (at < dueAt) { due = [name, card]; dueAt = at; }
            }
            const now = performance.now();
            if (!due || dueAt > now) { wait = due ? dueAt - now : 250; break; }
            lastPicture.set(due[0], now);
            try { await refreshPicture(due[0], due[1]); }
            catch (error) { if (error.status === 429) { wait = 1500; break; } }
          }
        } finally {
          picturesRunning = false;
        }
        if (document.visibilityState !== "hidden") pictureTimer = setTimeout(pictures, Math.max(50, wait));
      }

      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "hidden") {
          clearTimeout(statusTimer); statusTimer = null;
          clearTimeout(pictureTimer); pictureTimer = null;
        } else {
          poll();
          pictures();
        }
      });

      poll().then(pictures);
    })();
    """#
}
