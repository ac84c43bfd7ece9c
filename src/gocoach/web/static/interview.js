// Mock interview timers: the current question's clock and the session's time left, every second.
(function () {
  function fmt(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }
  function tick() {
    document.querySelectorAll(".timer[data-elapsed]").forEach((el) => {
      if (!el.dataset.loaded) el.dataset.loaded = String(Date.now());
      const since = Date.now() - Number(el.dataset.loaded);
      const stopped = el.dataset.stopped;
      const used = stopped !== undefined ? Number(stopped) : Number(el.dataset.elapsed) + since;
      el.querySelector(".q-clock").textContent = fmt(used);
      const left = Number(el.dataset.left) - (stopped !== undefined ? 0 : since);
      const out = el.querySelector(".s-clock");
      out.textContent = left > 0 ? fmt(left) : "0:00";
      el.classList.toggle("over", left <= 0);
    });
  }
  tick();
  setInterval(tick, 1000);
})();
