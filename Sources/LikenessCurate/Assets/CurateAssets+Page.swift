extension CurateAssets {
    /// The one page: a portrait, the rating buttons, a discreet counter.
    static let page = """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
    <meta name="theme-color" content="#141312">
    <title>Likeness · curate</title>
    <link rel="stylesheet" href="/page.css">
    <script src="/page.js" defer></script>
    </head>
    <body>
    <header>
      <span class="title">Likeness</span>
      <span id="counter" class="counter" aria-live="polite">…</span>
    </header>
    <main id="stage">
      <div id="card" class="card" tabindex="-1" aria-label="portrait to rate">
        <img id="portrait" alt="a generated portrait" draggable="false">
        <div id="stamp" class="stamp"></div>
      </div>
      <p id="message" class="message" role="status"></p>
    </main>
    <nav class="controls" aria-label="rate">
      <button id="undo" class="small" title="undo (Backspace)" aria-label="undo">↶</button>
      <button id="dislike" title="dislike (←)" aria-label="dislike">✕</button>
      <button id="skip" class="small" title="skip (↓ or space)" aria-label="skip">↓</button>
      <button id="favourite" title="favourite (↑)" aria-label="favourite">★</button>
      <button id="like" title="like (→)" aria-label="like">♥</button>
    </nav>
    <footer class="keys">← dislike · → like · ↑ favourite · ↓ skip · ⌫ undo · or swipe</footer>
    </body>
    </html>
    """
}
