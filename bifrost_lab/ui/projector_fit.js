// The projector's fit (ProjectorFit in ui/console/projector.py): the page fits the window and never scrolls.
// The page is a grid as high as the window (bifrost.css); this module sizes what is in it after every change:
// - the question shrinks (--bf-q) when it is long, so the board keeps most of the screen;
// - the board's text scales (--bf-fit, in rem: 1rem is 24 px at 1080p) from MAX down to MIN to fill its box;
// - if it still does not fit at MIN: extras marked [data-fit-drop] go, level by level (1: the split by role,
//   evidence citations; 2: role tags, evidence texts), then every list marked [data-fit-list] keeps as many
//   items as fit ("last": the newest, "first": the top) and says how many it leaves out in a "+ N more" chip
//   (its words come from the board's data-more, in the room's language).
// Also the J key on the projector window: the whole join panel or the small bar (join_key counts the presses).
const MIN = 1, MAX = 1.6;          // the board's text scale, in rem per em (1 = the smallest text is 1rem)
const Q_MIN = 0.75, STAGE_SHARE = 0.27;  // the question's scale, and how much of the page it may take

// Texts whose words must fit their box: the scale is lowered until they do (when it can be), so that a long
// word is not broken in the middle. While probing they do not wrap inside words (.bf-fit-probe in bifrost.css).
const WORDY = ".bf-role-tag, .bf-card-text, .bf-ev-label, .bf-ev-text, .bf-lane-title, .bf-bar-label, .bf-legend-text, .bf-matrix-q, .bf-split-title, .bf-results-title, .bf-carried-title";

// Extras in markup written elsewhere, by the level at which they go: a good solution's details
// (ui/solution_widgets.py) go with the role tags, and its solution stays.
const DROP_ALSO = { 2: ".bf-board-solution .bf-sol-field" };

function overflows(box) {
  return box.scrollHeight > box.clientHeight + 1 || box.scrollWidth > box.clientWidth + 1;
}

// The largest value in [lo, hi] for which `fits(value)` holds after `set(value)`, or null when not even lo fits.
function largest(set, fits, lo, hi, steps = 6) {
  set(hi);
  if (fits()) return hi;
  set(lo);
  if (!fits()) return null;
  for (let i = 0; i < steps; i++) {
    const mid = (lo + hi) / 2;
    set(mid);
    if (fits()) lo = mid; else hi = mid;
  }
  set(lo);
  return lo;
}

function fitStage(frame) {
  const stage = frame.querySelector(".bf-proj-stage");
  if (!stage) return;
  const limit = frame.clientHeight * STAGE_SHARE;
  const set = (q) => stage.style.setProperty("--bf-q", q.toFixed(3));
  if (largest(set, () => stage.offsetHeight <= limit, Q_MIN, 1) === null) set(Q_MIN);
}

function listItems(list) {
  return Array.from(list.children).filter((c) => !c.classList.contains("bf-more") && !c.matches("h2, h3, h4"));
}

// Cut every list short so the board fits: the same number of items in each (a list's data-fit-min at least,
// while that fits), then one more item wherever there is still room.
function prune(board, fits) {
  const template = (board.querySelector("[data-more]") || { dataset: {} }).dataset.more || "+ {n}";
  // a card grid from elsewhere (the good solutions: ui/solution_widgets.py) is a list that keeps its newest
  const lists = Array.from(board.querySelectorAll("[data-fit-list], .bf-card-grid")).map((list) => {
    const chip = document.createElement("div");
    chip.className = "bf-more";
    list.appendChild(chip);
    const items = listItems(list);
    return { chip, items, keepFirst: list.dataset.fitList === "first", min: Number(list.dataset.fitMin || 0), shown: items.length };
  });
  if (!lists.length) return;
  const show = (entry, count) => {
    const { chip, items, keepFirst } = entry;
    entry.shown = Math.min(items.length, count);
    const hidden = items.length - entry.shown;
    items.forEach((item, i) => item.classList.toggle("bf-fit-hidden", keepFirst ? i >= entry.shown : i < hidden));
    chip.dataset.count = String(hidden);
    chip.textContent = template.replace("{n}", String(hidden));
    chip.hidden = hidden === 0;
  };
  const apply = (cap, floor) => lists.forEach((l) => show(l, Math.max(cap, floor ? l.min : 0)));
  let lo = 0, hi = Math.max(...lists.map((l) => l.items.length));
  apply(hi, true);
  if (fits()) return;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    apply(mid, true);
    if (fits()) lo = mid; else hi = mid - 1;
  }
  apply(lo, true);
  if (!fits()) apply(0, false);
  for (let grown = true; grown;) {
    grown = false;
    for (const entry of [...lists].sort((a, b) => a.shown - b.shown)) {
      if (entry.shown >= entry.items.length) continue;
      show(entry, entry.shown + 1);
      if (fits()) grown = true; else show(entry, entry.shown - 1);
    }
  }
}

function fitBoard(board) {
  for (const el of board.querySelectorAll(".bf-more")) el.remove();
  for (const el of board.querySelectorAll(".bf-fit-hidden, .bf-fit-dropped")) {
    el.classList.remove("bf-fit-hidden", "bf-fit-dropped");
  }
  const set = (s) => board.style.setProperty("--bf-fit", s.toFixed(3));
  const fits = () => !overflows(board);
  const wordsFit = () => {
    board.classList.add("bf-fit-probe");
    const whole = Array.from(board.querySelectorAll(WORDY)).every((el) => el.scrollWidth <= el.clientWidth);
    board.classList.remove("bf-fit-probe");
    return whole;
  };
  // the largest scale at which the board fits with whole words, else at which it fits at all
  const settle = () => largest(set, () => fits() && wordsFit(), MIN, MAX) !== null || largest(set, fits, MIN, MAX) !== null;
  if (settle()) return;
  const marked = Array.from(board.querySelectorAll("[data-fit-drop]"), (el) => el.dataset.fitDrop);
  const also = Object.keys(DROP_ALSO).filter((level) => board.querySelector(DROP_ALSO[level]));
  for (const level of [...new Set([...marked, ...also])].sort()) {  // 1: split by role, citations; 2: role tags, texts
    const selector = `[data-fit-drop="${level}"]` + (DROP_ALSO[level] ? `, ${DROP_ALSO[level]}` : "");
    board.querySelectorAll(selector).forEach((el) => el.classList.add("bf-fit-dropped"));
    if (settle()) return;
  }
  set(MIN);
  prune(board, fits);
}

function fit(frame) {
  fitStage(frame);
  const board = frame.querySelector(".bf-board");
  if (board) fitBoard(board);
}

function render({ model, el }) {
  el.style.display = "none";
  let frame = null, observer = null, resizer = null, queued = false, stopped = false;
  const inTimer = (node) => {
    const element = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    return !!(element && element.closest && element.closest(".bf-countdown"));
  };
  const run = () => {
    queued = false;
    if (stopped || !frame) return;
    const started = performance.now();
    fit(frame);
    observer.takeRecords();  // what the fit itself changed is no change to fit again
    frame.dataset.bfFitMs = String(Math.round(performance.now() - started));  // for the tests' figures
    frame.dataset.bfFitCount = String(Number(frame.dataset.bfFitCount || 0) + 1);
    frame.dataset.bfFit = "done";
  };
  const schedule = () => {
    if (queued || !frame) return;
    queued = true;
    frame.dataset.bfFit = "pending";
    requestAnimationFrame(run);
  };
  const attach = () => {
    if (stopped) return;
    frame = el.closest(".bf-proj-frame");
    if (!frame) { setTimeout(attach, 50); return; }
    observer = new MutationObserver((records) => {
      if (records.some((r) => !inTimer(r.target))) schedule();  // the timer ticks without moving anything
    });
    observer.observe(frame, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ["class"] });
    resizer = new ResizeObserver(schedule);
    resizer.observe(frame);
    schedule();
  };
  const onKey = (event) => {
    if (event.key !== "j" && event.key !== "J") return;
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (event.target && event.target.closest && event.target.closest("input, textarea, select, [contenteditable]")) return;
    model.set("join_key", model.get("join_key") + 1);
    model.save_changes();
  };
  document.addEventListener("keydown", onKey);
  attach();
  return () => {
    stopped = true;
    document.removeEventListener("keydown", onKey);
    if (observer) observer.disconnect();
    if (resizer) resizer.disconnect();
  };
}
export default { render };
