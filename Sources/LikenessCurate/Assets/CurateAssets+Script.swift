extension CurateAssets {
    /// Prefetching, swipes, keys, buttons; every rating is sent in order and retried until the server has it.
    static let script = #"""
    "use strict";
    (() => {
      const PREFETCH = 3;
      const card = document.getElementById("card");
      const img = document.getElementById("portrait");
      const stamp = document.getElementById("stamp");
      const counter = document.getElementById("counter");
      const message = document.getElementById("message");
      const labels = { like: "like", dislike: "dislike", favourite: "favourite", skip: "skip" };
      const colours = { like: "var(--like)", dislike: "var(--dislike)", favourite: "var(--favourite)", skip: "var(--skip)" };
      const away = { like: [1.4, 0.1], dislike: [-1.4, 0.1], favourite: [0, -1.4], skip: [0, 1.4] };

      let queue = [];          // prefetched candidates: {id, image, score, ready: Promise}
      let current = null;
      let filling = false;
      let sending = Promise.resolve();
      let ratings = null, accuracy = null, busy = false;
      let swipedAt = null;
      window.likenessSwipeMs = [];  // milliseconds from each rating to the next portrait on screen

      function say(text) { message.textContent = text || ""; }

      function showCounter() {
        if (ratings === null) { counter.textContent = ""; return; }
        let text = ratings + (ratings === 1 ? " rating" : " ratings");
        text += accuracy === null ? " · learning" : " · taste " + Math.round(accuracy * 100) + "% sure";
        counter.textContent = text;
      }

      async function json(url, options) {
        const response = await fetch(url, Object.assign({ credentials: "same-origin", cache: "no-store" }, options || {}));
        const body = await response.json().catch(() => ({}));
        if (!response.ok) { const e = new Error(body.error || response.statusText); e.status = response.status; throw e; }
        return body;
      }

      function preload(candidate) {
        const picture = new Image();
        picture.decoding = "async";
        candidate.ready = new Promise((resolve) => {
          picture.onload = () => resolve(true);
          picture.onerror = () => resolve(false);
        });
        picture.src = candidate.image;
        candidate.picture = picture;
        return candidate;
      }

      async function fill() {
        if (filling) return;
        filling = true;
        try {
          while (queue.length < PREFETCH) {
            queue.push(preload(await json("/api/candidate")));
            if (!current) next();
          }
        } catch (e) {
          say(e.status === 401 ? "This server needs its token: open the address it printed." : "Waiting for the server…");
          setTimeout(fill, 1500);
        } finally {
          filling = false;
        }
      }

      async function next() {
        if (!queue.length) { current = null; img.classList.remove("shown"); fill(); return; }
        const candidate = queue.shift();
        current = candidate;
        fill();
        await candidate.ready;
        if (current !== candidate) return;
        img.src = candidate.image;
        resetCard();
        img.classList.add("shown");
        if (swipedAt !== null) { window.likenessSwipeMs.push(performance.now() - swipedAt); swipedAt = null; }
      }

      function resetCard() {
        card.style.transition = "none";
        card.style.transform = "";
        card.style.opacity = "1";
        stamp.style.opacity = "0";
        void card.offsetWidth;
        card.style.transition = "";
      }

      function send(body, url) {
        // One request after the other, in order; a failed one is retried until the server has it.
        const attempt = async () => {
          for (let wait = 500; ; wait = Math.min(wait * 2, 8000)) {
            try { return await json(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }); }
            catch (e) {
              if (e.status && e.status < 500) { say(e.message); return null; }
              say("Not saved yet, retrying…");
              await new Promise((r) => setTimeout(r, wait));
            }
          }
        };
        sending = sending.then(attempt);
        return sending;
      }

      async function rate(kind) {
        if (!current || busy) return;
        busy = true;
        swipedAt = performance.now();
        const candidate = current;
        const [dx, dy] = away[kind];
        stamp.textContent = labels[kind];
        stamp.style.color = colours[kind];
        stamp.style.opacity = "1";
        const w = window.innerWidth, h = window.innerHeight;
        card.style.transform = `translate(${dx * w}px, ${dy * h}px) rotate(${dx * 12}deg)`;
        card.style.opacity = "0";
        setTimeout(() => { busy = false; img.classList.remove("shown"); next(); }, 70);
        const answer = await send({ id: candidate.id, rating: kind }, "/api/rating");
        if (answer) { ratings = answer.ratings; say(""); showCounter(); refreshTaste(); }
      }

      async function undo() {
        if (busy) return;
        const answer = await send({}, "/api/undo");
        if (!answer) return;
        ratings = answer.ratings;
        showCounter();
        refreshTaste();
        if (answer.candidate) {
          if (current) queue.unshift(current);
          queue.unshift(preload(answer.candidate));
          current = null;
          img.classList.remove("shown");
          say("Undone: " + answer.undone.rating);
          next();
        } else {
          say("Nothing to undo.");
        }
      }

      let tasteTimer = null;
      function refreshTaste() {
        clearTimeout(tasteTimer);
        tasteTimer = setTimeout(async () => {
          try { const t = await json("/api/taste"); ratings = t.ratings; accuracy = t.accuracy; showCounter(); } catch (e) {}
        }, 250);
      }

      // Keys: → like, ← dislike, ↑ favourite, ↓ or space skip, Backspace undo.
      document.addEventListener("keydown", (event) => {
        if (event.metaKey || event.ctrlKey || event.altKey) return;
        const kind = { ArrowRight: "like", ArrowLeft: "dislike", ArrowUp: "favourite", ArrowDown: "skip", " ": "skip" }[event.key];
        if (kind) { event.preventDefault(); if (!event.repeat) rate(kind); }
        else if (event.key === "Backspace") { event.preventDefault(); if (!event.repeat) undo(); }
      });

      for (const kind of Object.keys(labels)) {
        document.getElementById(kind).addEventListener("click", (event) => { event.currentTarget.blur(); rate(kind); });
      }
      document.getElementById("undo").addEventListener("click", (event) => { event.currentTarget.blur(); undo(); });

      // Swipes with a finger, a pen or the mouse: drag the portrait past a third of its width (or flick it).
      let drag = null;
      card.addEventListener("pointerdown", (event) => {
        if (!current || busy || event.button > 0) return;
        drag = { x: event.clientX, y: event.clientY, t: performance.now(), id: event.pointerId };
        card.setPointerCapture(event.pointerId);
        card.classList.add("dragging");
      });
      card.addEventListener("pointermove", (event) => {
        if (!drag || event.pointerId !== drag.id) return;
        const dx = event.clientX - drag.x, dy = event.clientY - drag.y;
        card.style.transform = `translate(${dx}px, ${dy}px) rotate(${dx / 25}deg)`;
        const kind = direction(dx, dy, 0.12);
        stamp.style.opacity = kind ? String(Math.min(1, Math.hypot(dx, dy) / (card.offsetWidth * 0.33))) : "0";
        if (kind) { stamp.textContent = labels[kind]; stamp.style.color = colours[kind]; }
      });
      function finish(event) {
        if (!drag || event.pointerId !== drag.id) return;
        const dx = event.clientX - drag.x, dy = event.clientY - drag.y;
        const speed = Math.hypot(dx, dy) / Math.max(1, performance.now() - drag.t);
        drag = null;
        card.classList.remove("dragging");
        const kind = direction(dx, dy, speed > 0.6 ? 0.08 : 0.33);
        if (kind) rate(kind); else { card.style.transform = ""; stamp.style.opacity = "0"; }
      }
      card.addEventListener("pointerup", finish);
      card.addEventListener("pointercancel", finish);

      function direction(dx, dy, share) {
        const side = card.offsetWidth || 1;
        if (Math.hypot(dx, dy) < side * share) return null;
        if (Math.abs(dx) >= Math.abs(dy)) return dx > 0 ? "like" : "dislike";
        return dy < 0 ? "favourite" : "skip";
      }

      refreshTaste();
      fill();
    })();
    """#
}
