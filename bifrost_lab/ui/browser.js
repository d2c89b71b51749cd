// The browser bridge (BrowserBridge in browser.py): query string, localStorage, <html lang>, accessible
// field names, the console's control-bar height, keyboard shortcuts, character counters, new windows,
// downloads. Checked by tests/test_browser.py.
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
// narrower screens: its height goes into --bf-controls-h, which the page and the side panel keep free; the
// height of the strip of room actions on top goes into --bf-top-h (the side panel fits below it).
const MEASURED = { ".bf-controls": "--bf-controls-h", ".bf-console-top": "--bf-top-h" };
const barObserver = new ResizeObserver((entries) => {
  for (const entry of entries) {
    if (!entry.target.isConnected) continue;
    const name = entry.target.dataset.bfMeasure;
    document.documentElement.style.setProperty(name, `${entry.target.offsetHeight}px`);
  }
});
function watchControlBar() {
  for (const [selector, name] of Object.entries(MEASURED)) {
    const bar = document.querySelector(selector);
    if (bar && !bar.dataset.bfWatched) { bar.dataset.bfWatched = "1"; bar.dataset.bfMeasure = name; barObserver.observe(bar); }
  }
}
// Keyboard shortcuts (BrowserBridge.shortcuts: CSS class -> letter): Alt+letter clicks the visible, enabled
// button of that class, whatever the keyboard layout (event.code), and the button says so in aria-keyshortcuts.
function markShortcuts(shortcuts) {
  for (const [cls, key] of Object.entries(shortcuts || {})) {
    for (const button of document.querySelectorAll(`button.${cls}`)) {
      if (button.getAttribute("aria-keyshortcuts") !== `Alt+${key}`) button.setAttribute("aria-keyshortcuts", `Alt+${key}`);
    }
  }
}
function onShortcut(event, shortcuts) {
  if (!event.altKey || event.ctrlKey || event.metaKey || !event.code.startsWith("Key")) return;
  const letter = event.code.slice(3);
  for (const [cls, key] of Object.entries(shortcuts || {})) {
    if (key.toUpperCase() !== letter) continue;
    const button = Array.from(document.querySelectorAll(`button.${cls}`)).find((b) => b.offsetParent !== null && !b.disabled);
    if (!button) return;
    event.preventDefault();
    button.click();
    return;
  }
}
// A live count under a text field: the HTML hint `.bf-char-count` names its field's widget class (data-for),
// the limit and the words ("{n} of {limit} characters"). Characters are counted as Python counts them.
function updateCounter(hint) {
  const field = document.querySelector(`.${hint.dataset.for} textarea, .${hint.dataset.for} input`);
  if (!field) return;
  const limit = Number(hint.dataset.limit), n = Array.from(field.value).length;
  const text = hint.dataset.template.replace("{n}", n).replace("{limit}", limit);
  if (hint.textContent !== text) hint.textContent = text;
  hint.classList.toggle("bf-char-near", n >= limit * 0.9 && n <= limit);
  hint.classList.toggle("bf-char-over", n > limit);
}
function watchCounters() {
  for (const hint of document.querySelectorAll(".bf-char-count[data-for]")) {
    const field = document.querySelector(`.${hint.dataset.for} textarea, .${hint.dataset.for} input`);
    if (field && !field.dataset.bfCounted) {
      field.dataset.bfCounted = hint.dataset.for;
      field.addEventListener("input", () => {
        for (const h of document.querySelectorAll(`.bf-char-count[data-for="${field.dataset.bfCounted}"]`)) updateCounter(h);
      });
    }
    updateCounter(hint);
  }
}
function render({ model, el }) {
  el.style.display = "none";
  document.addEventListener("keydown", (event) => onShortcut(event, model.get("shortcuts")));
  // Screen readers pick their voice from <html lang>; Voila writes the server's default there.
  const applyLanguage = () => { if (model.get("language")) document.documentElement.lang = model.get("language"); };
  model.on("change:language", applyLanguage);
  applyLanguage();
  // Voila's lab shell scrolls the page inside #rendered_cells, not the window. A projector has nothing to focus,
  // so the box itself must take focus, or a keyboard (or a presenter's clicker) cannot scroll it.
  const cells = document.getElementById("rendered_cells");
  if (cells && !cells.hasAttribute("tabindex")) cells.tabIndex = 0;
  nameFields();
  const onChange = () => { nameFields(); watchControlBar(); markShortcuts(model.get("shortcuts")); watchCounters(); };
  model.on("change:shortcuts", () => markShortcuts(model.get("shortcuts")));
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
