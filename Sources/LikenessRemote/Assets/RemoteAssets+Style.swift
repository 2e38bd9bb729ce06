extension RemoteAssets {
    /// The curation page's dark, calm ground; on a phone the screens side by side above thumb-sized controls, on a
    /// desktop the controls in a column beside the screens.
    static let style = #"""
    :root {
      --ground: #141312; --ink: #d9d3c7; --quiet: #8a8378; --line: #2a2826; --raised: #1c1b19;
      --on: #e0c27a; --alarm: #c98b7f; --good: #8fb996;
    }
    * { box-sizing: border-box; }
    html { background: var(--ground); color: var(--ink); -webkit-text-size-adjust: 100%; }
    body { margin: 0; min-height: 100vh; min-height: 100dvh; display: flex; flex-direction: column;
      font: 15px/1.4 "Iowan Old Style", "Palatino Linotype", Palatino, Georgia, serif;
      padding: 0 max(0.75rem, env(safe-area-inset-right)) 0 max(0.75rem, env(safe-area-inset-left)); }
    header { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: baseline; gap: 0 1rem;
      padding: max(0.9rem, env(safe-area-inset-top)) 0.5rem 0.6rem; letter-spacing: 0.04em; }
    h1, h2, p { margin: 0; font-weight: normal; }
    .title { font-variant: small-caps; font-size: 1.15rem; opacity: 0.85; }
    .state { color: var(--quiet); font-size: 0.85rem; }
    .open { color: var(--good); }
    .open.closed { color: var(--alarm); }
    .modes { color: var(--on); }
    .modes:empty { display: none; }

    main { flex: 1; display: grid; gap: 1rem; align-content: start; width: 100%; max-width: 90rem; margin: 0 auto; }
    .screens { display: grid; gap: 0.75rem; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); }
    .screens[data-count="1"] { grid-template-columns: minmax(0, 1fr); }
    .screen { min-width: 0; display: flex; flex-direction: column; gap: 0.45rem; }
    .picture { position: relative; aspect-ratio: 16 / 9; max-height: 70vh; border-radius: 3px; overflow: hidden; background: #0d0c0b;
      box-shadow: 0 0.75rem 1rem -0.5rem rgba(0,0,0,0.6), 0 0 0 1px var(--line); }
    .picture img { display: block; width: 100%; height: 100%; object-fit: contain; user-select: none; -webkit-user-select: none; }
    .picture:not(.shown) img { visibility: hidden; }
    .facts { padding: 0 0.15rem; min-width: 0; }
    .facts h2 { font-size: 1rem; display: flex; flex-wrap: wrap; gap: 0 0.5rem; align-items: baseline; }
    .name { font-variant: small-caps; letter-spacing: 0.05em; }
    .sitter { color: var(--ink); opacity: 0.8; font-size: 0.9rem; }
    .numbers, .resembles { color: var(--quiet); font-size: 0.8rem; font-variant-numeric: tabular-nums; }
    .resembles { font-style: italic; }
    .resembles:empty { display: none; }
    .screen.slow .speed { color: var(--alarm); }

    .controls { display: flex; flex-direction: column; gap: 0.9rem; }
    .buttons { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 0.5rem; }
    button { font: inherit; color: var(--ink); background: var(--raised); border: 1px solid var(--line); border-radius: 6px;
      min-height: 3rem; min-width: 2.75rem; padding: 0.35rem 0.5rem; cursor: pointer; touch-action: manipulation;
      transition: background 0.15s, border-color 0.15s, transform 0.1s, opacity 0.15s; line-height: 1.15; }
    @media (hover: hover) { button:hover { border-color: var(--quiet); } }
    button:active { transform: scale(0.97); }
    button:focus-visible, input:focus-visible { outline: 1px solid var(--quiet); outline-offset: 3px; }
    button[aria-busy="true"] { opacity: 0.6; }
    .buttons button { display: flex; flex-direction: column; align-items: center; justify-content: center; text-align: center; }
    .flag, .note { display: block; font-size: 0.72rem; color: var(--quiet); letter-spacing: 0.03em; }
    button[aria-pressed="true"], #pause.on { border-color: var(--on); color: var(--on); background: #26231c; }
    button[aria-pressed="true"] .flag { color: var(--on); }
    #reload.armed { border-color: var(--alarm); color: var(--alarm); }

    .slider { display: grid; grid-template-columns: 1fr auto; grid-template-areas: "label value" "range range" "scale scale";
      align-items: center; gap: 0 0.75rem; padding: 0.25rem 0.15rem 0; }
    .slider:has(.reset) { grid-template-columns: 1fr auto auto; grid-template-areas: "label value reset" "range range range" "scale scale scale"; }
    .slider label { grid-area: label; letter-spacing: 0.03em; }
    .slider output { grid-area: value; font-variant-numeric: tabular-nums; color: var(--on); }
    .slider .reset { grid-area: reset; min-height: 2.75rem; padding: 0 0.7rem; font-size: 0.85rem; color: var(--quiet); }
    .slider .reset:disabled { opacity: 0.35; cursor: default; }
    .slider input { grid-area: range; width: 100%; height: 2.75rem; margin: 0; background: transparent; cursor: pointer;
      -webkit-appearance: none; appearance: none; touch-action: pan-y; }
    .slider input::-webkit-slider-runnable-track { height: 3px; background: var(--line); border-radius: 2px; }
    .slider input::-moz-range-track { height: 3px; background: var(--line); border-radius: 2px; }
    .slider input::-webkit-slider-thumb { -webkit-appearance: none; appearance: none; width: 1.6rem; height: 1.6rem; margin-top: calc(-0.8rem + 1.5px);
      border-radius: 50%; background: var(--ink); border: 4px solid var(--ground); box-shadow: 0 0 0 1px var(--quiet); }
    .slider input::-moz-range-thumb { width: 1.6rem; height: 1.6rem; border-radius: 50%; background: var(--ink);
      border: 4px solid var(--ground); box-shadow: 0 0 0 1px var(--quiet); }
    .scale { grid-area: scale; display: flex; justify-content: space-between; color: var(--quiet); font-size: 0.72rem; margin-top: -0.35rem; }

    footer { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 0.2rem 1rem; color: var(--quiet); opacity: 0.8;
      font-size: 0.75rem; padding: 1.2rem 0.5rem max(3rem, calc(env(safe-area-inset-bottom) + 2.5rem)); }
    .message { position: fixed; left: 50%; bottom: max(0.75rem, env(safe-area-inset-bottom)); transform: translateX(-50%);
      max-width: calc(100% - 1.5rem); width: max-content; padding: 0.45rem 0.9rem; border-radius: 6px;
      background: var(--raised); border: 1px solid var(--line); color: var(--ink); font-size: 0.85rem;
      box-shadow: 0 0.5rem 1.5rem rgba(0,0,0,0.5); transition: opacity 0.2s; pointer-events: none; }
    .message:empty { opacity: 0; }

    @media (min-width: 60rem) {
      main { grid-template-columns: minmax(0, 1fr) 20rem; gap: 1.75rem; padding-top: 0.75rem; }
      .screens { grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 1.25rem; align-content: start; }
      .buttons { grid-template-columns: repeat(2, minmax(0, 1fr)); }
      header { padding-left: 0; padding-right: 0; max-width: 90rem; width: 100%; margin: 0 auto; }
      footer { max-width: 90rem; width: 100%; margin: 0 auto; padding-left: 0; padding-right: 0; }
    }
    """#
}
