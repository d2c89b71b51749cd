// The step timer (Countdown in browser.py): counts down in the browser and chimes softly at zero.
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
    el.classList.toggle("bf-countdown-break", model.get("emphasis") === "break");
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
