"""What a room would notice on the projector, measured in the browser: cut, scrolling, overlapping or small text.

`inspect(page)` returns every problem as a line of text (empty: the projector is fine at this size).
Used by tests/e2e/test_rehearsal_projector.py at 1920×1080 and 1280×720.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# 24 px at 1080p, proportionally less on a smaller screen (16 px at 720p).
MIN_TEXT_1080 = 24.0

INSPECT_JS = """
(minText) => {
  const vw = window.innerWidth, vh = window.innerHeight;
  const app = document.querySelector(".bf-mod");
  const out = { scrollHeight: document.documentElement.scrollHeight, scrollWidth: document.documentElement.scrollWidth,
                vw, vh, cut: [], small: [], overlaps: [], texts: 0 };
  if (!app) { out.cut.push("no .bf-mod on the page"); return out; }
  const name = (el) => {
    const cls = typeof el.className === "string" ? el.className : (el.className && el.className.baseVal) || "";
    const own = cls.split(/\\s+/).filter((c) => c.startsWith("bf-")).slice(0, 2).join(".");
    return el.tagName.toLowerCase() + (own ? "." + own : "");
  };
  const words = (s) => (s || "").trim().replace(/\\s+/g, " ").slice(0, 48);
  const box = (r) => `[${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.width)}x${Math.round(r.height)}]`;
  const shown = (el) => { const cs = getComputedStyle(el); return cs.visibility !== "hidden" && cs.display !== "none"; };
  const offstage = (el) => el.closest(".bf-sr-live, [aria-hidden=true]:not(svg)");
  // 0. nothing scrolls: neither the page nor a box in it (Voila scrolls #rendered_cells, not the window)
  out.scrollers = [];
  for (const el of document.querySelectorAll("*")) {
    const cs = getComputedStyle(el);
    if (!/(auto|scroll)/.test(cs.overflowY + cs.overflowX) || !el.clientHeight) continue;
    if (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1) {
      out.scrollers.push(`${name(el) || el.id} scrolls: ${el.scrollWidth}x${el.scrollHeight} in ${el.clientWidth}x${el.clientHeight}`);
    }
  }
  const board = document.querySelector(".bf-board");
  out.boardTop = board ? Math.round(board.getBoundingClientRect().top) : null;
  out.fitMs = (document.querySelector(".bf-proj-frame") || { dataset: {} }).dataset.bfFitMs;
  out.contentHeight = Math.max(document.documentElement.scrollHeight,
    ...Array.from(document.querySelectorAll("#rendered_cells, .bf-mod")).map((e) => e.scrollHeight));
  // 1. every visible element inside the window (nothing cut, nothing below the edge)
  for (const el of app.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1 || !shown(el) || offstage(el)) continue;
    if (r.left < -1 || r.top < -1 || r.right > vw + 1 || r.bottom > vh + 1) {
      out.cut.push(`${name(el)} ${box(r)} ${words(el.textContent)}`);
    }
  }
  // 2. every text run: its rendered size, and whether it overlaps another text run
  const runs = [];
  const walker = document.createTreeWalker(app, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!node.textContent.trim() || !parent || !shown(parent) || offstage(parent)) continue;
    if (parent.closest("style, script, title")) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = Array.from(range.getClientRects()).filter((r) => r.width >= 1 && r.height >= 1);
    if (!rects.length) continue;
    let size = parseFloat(getComputedStyle(parent).fontSize);
    const svg = parent.closest("svg");
    if (svg) {  // an SVG's font size is in its own units: what counts is the size on the screen
      const m = svg.getScreenCTM();
      if (m) size *= Math.hypot(m.a, m.b);
    }
    out.texts += 1;
    if (size < minText - 0.05) out.small.push(`${name(parent)} ${size.toFixed(1)} px: ${words(node.textContent)}`);
    runs.push({ node, parent, rects, label: `${name(parent)} "${words(node.textContent)}"` });
  }
  const TOL = 2;
  for (let i = 0; i < runs.length; i++) {
    for (let j = i + 1; j < runs.length; j++) {
      let hit = null;
      for (const a of runs[i].rects) {
        for (const b of runs[j].rects) {
          const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
          const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          if (x > TOL && y > TOL) { hit = [a, b]; break; }
        }
        if (hit) break;
      }
      if (hit) out.overlaps.push(`${runs[i].label} ${box(hit[0])} × ${runs[j].label} ${box(hit[1])}`);
    }
  }
  return out;
}
"""


@dataclass
class Problems:
    """Everything found wrong on the projector, by kind, each with where it was seen."""

    scroll: list[str] = field(default_factory=list)
    cut: list[str] = field(default_factory=list)
    overlap: list[str] = field(default_factory=list)
    small: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)  # how high the content is, for the record

    def report(self) -> str:
        lines = []
        for kind in ("scroll", "cut", "overlap", "small", "other"):
            found = getattr(self, kind)
            if found:
                lines.append(f"{kind}: {len(found)}")
                lines += [f"  {line}" for line in found[:25]]
                if len(found) > 25:
                    lines.append(f"  … and {len(found) - 25} more")
        return "\n".join(lines)


def min_text(width: int, height: int) -> float:
    """The smallest text allowed at a window size: 24 px at 1080p, scaled with the screen."""
    return MIN_TEXT_1080 * min(width / 1920, height / 1080)


def inspect(page, where: str, problems: Problems) -> dict:
    """Check the projector page as it is now; add what is wrong to `problems` (each line starts with `where`)."""
    size = page.viewport_size
    found = page.evaluate(INSPECT_JS, min_text(size["width"], size["height"]))
    if found["scrollHeight"] > found["vh"] or found["scrollWidth"] > found["vw"]:
        problems.scroll.append(
            f"{where}: the page is {found['scrollWidth']}×{found['scrollHeight']} in a {found['vw']}×{found['vh']} window"
        )
    problems.scroll += [f"{where}: {line}" for line in found["scrollers"]]
    problems.cut += [f"{where}: {line}" for line in found["cut"]]
    problems.figures.append(
        f"{where}: content {found['contentHeight']} px high, board from y = {found['boardTop']}, fit {found['fitMs']} ms"
    )
    problems.overlap += [f"{where}: {line}" for line in found["overlaps"]]
    problems.small += [f"{where}: {line}" for line in found["small"]]
    return found
