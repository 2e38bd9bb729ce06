extension CurateAssets {
    /// A dark, calm ground; the portrait as large as the screen allows.
    static let style = """
    :root {
      --ground: #141312; --ink: #d9d3c7; --quiet: #7d776d; --line: #2a2826;
      --like: #8fb996; --dislike: #c98b7f; --favourite: #e0c27a; --skip: #8c96a8;
      --side: min(calc(100vh - 14.5rem), calc(100vw - 2.5rem), 880px);
      --side: min(calc(100dvh - 14.5rem), calc(100vw - 2.5rem), 880px);
    }
    * { box-sizing: border-box; }
    html, body { margin: 0; height: 100%; background: var(--ground); color: var(--ink);
      font: 15px/1.4 "Iowan Old Style", "Palatino Linotype", Palatino, Georgia, serif; }
    body { display: flex; flex-direction: column; align-items: center; overflow: hidden;
      touch-action: none; user-select: none; -webkit-user-select: none; }
    header { width: 100%; display: flex; justify-content: space-between; align-items: baseline;
      padding: max(0.9rem, env(safe-area-inset-top)) 1.25rem 0.4rem; letter-spacing: 0.04em; }
    .title { font-variant: small-caps; font-size: 1.05rem; color: var(--ink); opacity: 0.8; }
    .counter { color: var(--quiet); font-size: 0.85rem; font-variant-numeric: tabular-nums; }
    main { flex: 1; display: flex; flex-direction: column; align-items: center; justify-content: center; width: 100%; }
    .card { position: relative; width: var(--side); height: var(--side); border-radius: 3px; outline: none;
      background: #0d0c0b; box-shadow: 0 1.5rem 4rem rgba(0,0,0,0.55), 0 0 0 1px var(--line);
      transition: transform 0.16s ease-in, opacity 0.16s ease-in; will-change: transform; cursor: grab; }
    .card.dragging { transition: none; cursor: grabbing; }
    .card img { width: 100%; height: 100%; display: block; border-radius: 3px; object-fit: cover;
      pointer-events: none; opacity: 0; transition: opacity 0.1s ease-out; }
    .card img.shown { opacity: 1; }
    .stamp { position: absolute; top: 1.2rem; left: 50%; transform: translateX(-50%); padding: 0.2rem 0.9rem;
      border: 2px solid currentColor; border-radius: 3px; font-size: 1.1rem; letter-spacing: 0.15em;
      text-transform: uppercase; opacity: 0; background: rgba(20,19,18,0.45); pointer-events: none; }
    .message { min-height: 1.4em; margin: 0.6rem 0 0; color: var(--quiet); font-size: 0.85rem; }
    .controls { display: flex; gap: 1.1rem; align-items: center; padding: 0.2rem 0 0.3rem; }
    .controls button { width: 3.4rem; height: 3.4rem; border-radius: 50%; border: 1px solid var(--line);
      background: #1c1b19; color: var(--ink); font-size: 1.35rem; cursor: pointer; line-height: 1;
      transition: background 0.15s, border-color 0.15s, transform 0.1s; }
    .controls button.small { width: 2.6rem; height: 2.6rem; font-size: 1.05rem; color: var(--quiet); }
    .controls button:hover { border-color: var(--quiet); }
    .controls button:active { transform: scale(0.94); }
    #like { color: var(--like); } #dislike { color: var(--dislike); } #favourite { color: var(--favourite); }
    .controls button:focus-visible { outline: 1px solid var(--quiet); outline-offset: 3px; }
    .keys { color: var(--quiet); opacity: 0.7; font-size: 0.78rem; padding: 0.2rem 0 max(0.8rem, env(safe-area-inset-bottom)); }
    @media (hover: none) { .keys { visibility: hidden; height: 0.4rem; padding: 0; } }
    @media (max-width: 520px) {
      :root { --side: min(calc(100vw - 1.5rem), calc(100vh - 11rem)); --side: min(calc(100vw - 1.5rem), calc(100dvh - 11rem)); }
      .controls { gap: 0.8rem; }
    }
    """
}
