extension RemoteAssets {
    /// The one page: the show's state, a card per screen with its live picture, the controls, a quiet status line.
    static let page = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
    <meta name="theme-color" content="#141312">
    <meta name="referrer" content="no-referrer">
    <title>Likeness · remote</title>
    <link rel="icon" href="/icon.svg" type="image/svg+xml">
    <link rel="stylesheet" href="/page.css">
    <script src="/page.js" defer></script>
    </head>
    <body>
    <header>
      <h1 id="title" class="title">Likeness</h1>
      <p class="state"><span id="open" class="open">…</span> <span id="modes" class="modes"></span> <span id="next-change" class="next-change"></span></p>
    </header>
    <main>
      <section id="screens" class="screens" aria-label="screens"></section>
      <section class="controls" aria-label="controls">
        <div class="buttons">
          <button id="pause" type="button" data-command="pause">Pause</button>
          <button id="next" type="button" data-command="next">Next sitter</button>
          <button id="blackout" type="button" data-command="blackout" aria-pressed="false">Blackout <span class="flag" aria-hidden="true">off</span></button>
          <button id="overlay" type="button" data-command="overlay" aria-pressed="false">Overlay <span class="flag" aria-hidden="true">off</span></button>
          <button id="snapshot" type="button" data-command="snapshot" title="a picture of each screen, saved on the show machine">Snapshot <span class="note">saved on the show machine</span></button>
          <button id="reload" type="button" data-command="reload" title="read the exhibition file again (tap twice)">Reload <span class="note">the exhibition file</span></button>
        </div>
        <div class="slider">
          <label for="speed">Speed</label>
          <output id="speed-value" for="speed">1×</output>
          <input id="speed" type="range" min="0" max="100" step="1" value="62" aria-describedby="speed-scale">
          <button id="speed-reset" type="button" class="reset" title="back to the exhibition's tempo">reset</button>
          <span id="speed-scale" class="scale"><span>0.1×</span><span>1×</span><span>4×</span></span>
        </div>
        <div class="slider">
          <label for="truncation">Truncation</label>
          <output id="truncation-value" for="truncation">…</output>
          <input id="truncation" type="range" min="0.3" max="1.2" step="0.05" value="1" aria-describedby="truncation-scale">
          <span id="truncation-scale" class="scale"><span>0.3 typical</span><span>1.2 varied</span></span>
        </div>
      </section>
    </main>
    <footer>
      <span id="model" class="model"></span>
      <span id="about" class="about"></span>
    </footer>
    <p id="message" class="message" role="status"></p>
    <template id="screen-card">
      <article class="screen">
        <div class="picture"><img alt="" draggable="false"></div>
        <div class="facts">
          <h2><span class="name"></span> <span class="sitter"></span></h2>
          <p class="numbers"><span class="level"></span> · <span class="fps"></span> · <span class="speed"></span> · <span class="behind"></span></p>
          <p class="resembles"></p>
        </div>
      </article>
    </template>
    </body>
    </html>
    """#

    /// The tab's and the home screen's icon (a browser asks for one; without it, a 404 in the console): a sitter on the dark ground.
    static let icon = #"""
    <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="12" fill="#141312"/><ellipse cx="32" cy="27" rx="11" ry="14" fill="#d9d3c7"/><path d="M11 64c2-13 10-20 21-20s19 7 21 20z" fill="#8a8378"/></svg>
    """#
}
