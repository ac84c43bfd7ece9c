// Drill page keys: space/Enter shows the answer, 1–4 rate it, u undoes the last rating.
(() => {
  let shownAt = Date.now();

  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.target.id === "drill" || event.detail.target?.id === "drill") shownAt = Date.now();
  });

  // The time spent on the card goes with the rating (the server falls back to shown_at).
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("#drill-card");
    if (form) form.elements.duration_ms.value = String(Date.now() - shownAt);
  }, true);
  document.addEventListener("htmx:configRequest", (event) => {
    const form = event.detail.elt.closest?.("#drill-card");
    if (form) event.detail.parameters.duration_ms = String(Date.now() - shownAt);
  });

  // A second rating of the same card (another tab, a double click) is refused: show the card now.
  document.addEventListener("htmx:responseError", (event) => {
    if (event.detail.xhr.status === 409) htmx.ajax("GET", "/drill", { target: "#drill", swap: "outerHTML" });
  });

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (event.target.closest("input, textarea, select")) return;
    const back = document.getElementById("back");
    if (event.key === "u") {
      document.getElementById("undo")?.click();
    } else if ((event.key === " " || event.key === "Enter") && back && !back.open) {
      event.preventDefault();
      back.open = true;
    } else if (back && back.open && ["1", "2", "3", "4"].includes(event.key)) {
      event.preventDefault();
      back.querySelector(`button[data-rating="${event.key}"]`)?.click();
    }
  });
})();
