"""Small front-end widgets (anywidget): the browser bridge and the countdown.

The bridge reads the page's query string and the rejoin tokens kept in localStorage, and stores new
tokens there. Reading the query string in the browser works with preheated kernels (which start
before the request) and keeps voila.utils (+44 MiB per kernel) out of the participant kernel.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import anywidget
import traitlets

_BRIDGE_ESM = r"""
const KEY = "bifrost-lab";
function readStore() {
  try { return JSON.parse(window.localStorage.getItem(KEY) || "{}") || {}; } catch (e) { return {}; }
}
// ipywidgets renders <select>/<textarea>/<input> without an accessible name when the widget has no
// description; our visible labels are separate HTML. Name each field after the label shown just
// before it (or its placeholder) so screen readers announce what the field is for.
function nameFields() {
  for (const field of document.querySelectorAll("select, textarea, input:not([type=hidden])")) {
    const own = field.id && document.querySelector(`label[for="${field.id}"]`);
    if (field.getAttribute("aria-label") || (own && own.textContent.trim())) continue;
    let name = field.getAttribute("placeholder") || "";
    let node = field.closest(".jupyter-widgets");
    for (let i = 0; node && i < 3 && !name; i++) {
      node = node.previousElementSibling;
      const label = node && (node.querySelector(".bf-label") || node.querySelector("h3, h2, .bf-hint"));
      if (label) name = label.textContent.trim();
    }
    if (name) field.setAttribute("aria-label", name);
  }
}
// The console's control bar is fixed at the bottom and wraps to more rows in longer languages (Finnish) or on
// narrower screens: its height goes into --bf-controls-h, which the page and the side panel keep free.
const barObserver = new ResizeObserver((entries) => {
  for (const entry of entries) {
    if (!entry.target.isConnected) continue;
    document.documentElement.style.setProperty("--bf-controls-h", `${entry.target.offsetHeight}px`);
  }
});
function watchControlBar() {
  const bar = document.querySelector(".bf-controls");
  if (bar && !bar.dataset.bfWatched) { bar.dataset.bfWatched = "1"; barObserver.observe(bar); }
}
function render({ model, el }) {
  el.style.display = "none";
  // Screen readers pick their voice from <html lang>; Voila writes the server's default there.
  const applyLanguage = () => { if (model.get("language")) document.documentElement.lang = model.get("language"); };
  model.on("change:language", applyLanguage);
  applyLanguage();
  // Voila's lab shell scrolls the page inside #rendered_cells, not the window. A projector has nothing to focus,
  // so the box itself must take focus, or a keyboard (or a presenter's clicker) cannot scroll it.
  const cells = document.getElementById("rendered_cells");
  if (cells && !cells.hasAttribute("tabindex")) cells.tabIndex = 0;
  nameFields();
  const onChange = () => { nameFields(); watchControlBar(); };
  new MutationObserver(onChange).observe(document.body, { childList: true, subtree: true });
  model.set("query", window.location.search || "");
  model.set("stored", readStore());
  model.set("ready", true);
  model.save_changes();
  model.on("msg:custom", (msg, buffers) => {
    if (msg.type === "store") {
      const data = readStore();
      if (msg.value === null) { delete data[msg.key]; } else { data[msg.key] = msg.value; }
      try { window.localStorage.setItem(KEY, JSON.stringify(data)); } catch (e) {}
    } else if (msg.type === "set_query") {
      const url = new URL(window.location.href);
      for (const [k, v] of Object.entries(msg.params)) {
        if (v === null) { url.searchParams.delete(k); } else { url.searchParams.set(k, v); }
      }
      window.history.replaceState(null, "", url.toString());
    } else if (msg.type === "open_window") {
      const url = new URL(window.location.href);
      url.search = "";
      for (const [k, v] of Object.entries(msg.params)) { url.searchParams.set(k, v); }
      window.open(url.toString(), msg.name || "_blank");
    } else if (msg.type === "scroll_top") {
      (document.getElementById("rendered_cells") || window).scrollTo({ top: 0, behavior: "smooth" });
    } else if (msg.type === "download") {
      const a = document.createElement("a");
      // a binary file (the knowledge package's zip) comes as the message's buffer, a text file as its content
      const body = buffers && buffers.length ? buffers[0] : msg.content;
      a.href = URL.createObjectURL(new Blob([body], { type: msg.mime }));
      a.download = msg.filename;
      document.body.appendChild(a); a.click(); a.remove();
    }
  });
}
export default { render };
"""


class BrowserBridge(anywidget.AnyWidget):
    """Invisible widget: query string and localStorage of the page that shows it."""

    _esm = _BRIDGE_ESM
    query = traitlets.Unicode("").tag(sync=True)
    stored = traitlets.Dict().tag(sync=True)
    ready = traitlets.Bool(False).tag(sync=True)
    language = traitlets.Unicode("").tag(sync=True)  # the page's language, written to <html lang>

    def params(self) -> dict[str, str]:
        """The query string as a dict of first values (untrusted input)."""
        return {k: v[0] for k, v in parse_qs(self.query.lstrip("?")).items() if v}

    def stored_value(self, key: str) -> Any:
        return self.stored.get(key) if isinstance(self.stored, dict) else None

    def store(self, key: str, value: Any) -> None:
        self.stored = {**self.stored, key: value}
        self.send({"type": "store", "key": key, "value": value})

    def set_query(self, **params: str | None) -> None:
        self.send({"type": "set_query", "params": params})

    def open_window(self, name: str, **params: str) -> None:
        """Open this page with other query parameters in a named window (e.g. the projector view)."""
        self.send({"type": "open_window", "params": params, "name": name})

    def scroll_top(self) -> None:
        self.send({"type": "scroll_top"})

    def download(self, filename: str, content: str, mime: str = "text/html") -> None:
        self.send({"type": "download", "filename": filename, "content": content, "mime": mime})

    def download_bytes(self, filename: str, content: bytes, mime: str = "application/zip") -> None:
        """Let the browser save a binary file (sent as the message's buffer, not as text)."""
        self.send({"type": "download", "filename": filename, "mime": mime}, buffers=[content])


_COUNTDOWN_ESM = r"""
function fmt(s) {
  const neg = s < 0; s = Math.abs(Math.round(s));
  const m = Math.floor(s / 60), r = s % 60;
  return (neg ? "+" : "") + m + ":" + String(r).padStart(2, "0");
}
function render({ model, el }) {
  el.classList.add("bf-countdown");
  const label = document.createElement("span");
  label.className = "bf-countdown-time";
  label.setAttribute("role", "timer");
  el.appendChild(label);
  let offset = 0, chimed = false;
  const sync = () => { offset = model.get("server_now") * 1000 - Date.now(); chimed = model.get("remaining") <= 0; };
  model.on("change:server_now", sync); sync();
  const tick = () => {
    const running = model.get("running");
    let left = model.get("remaining");
    if (running) { left -= ((Date.now() + offset) / 1000 - model.get("anchor")); }
    label.textContent = fmt(left);
    el.classList.toggle("bf-countdown-paused", !running);
    el.classList.toggle("bf-countdown-over", left <= 0);
    el.classList.toggle("bf-countdown-soon", left > 0 && left <= 60);
    if (running && left <= 0 && !chimed) { chimed = true; chime(); }
  };
  const timer = setInterval(tick, 250); tick();
  return () => clearInterval(timer);
}
function chime() {
  try {
    const ctx = new (window.AudioContext || window.webkitAudioContext)();
    [523.25, 659.25, 783.99].forEach((f, i) => {
      const o = ctx.createOscillator(), g = ctx.createGain();
      o.frequency.value = f; o.connect(g); g.connect(ctx.destination);
      const t = ctx.currentTime + i * 0.35;
      g.gain.setValueAtTime(0.0001, t); g.gain.exponentialRampToValueAtTime(0.15, t + 0.05);
      g.gain.exponentialRampToValueAtTime(0.0001, t + 0.9);
      o.start(t); o.stop(t + 1);
    });
  } catch (e) {}
}
export default { render };
"""


class Countdown(anywidget.AnyWidget):
    """A step timer that counts down in the browser (no traffic per second) and chimes softly at zero."""

    _esm = _COUNTDOWN_ESM
    running = traitlets.Bool(False).tag(sync=True)
    anchor = traitlets.Float(0.0).tag(sync=True)  # server epoch seconds when `remaining` was measured
    remaining = traitlets.Float(0.0).tag(sync=True)
    server_now = traitlets.Float(0.0).tag(sync=True)
