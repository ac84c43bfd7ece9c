// Roadmap tree: expand/collapse all (branches load on first open), one-click statuses.
let expandAll = false;

document.addEventListener("click", (event) => {
  const treeButton = event.target.closest("[data-tree]");
  if (treeButton) {
    expandAll = treeButton.dataset.tree === "open";
    document.querySelectorAll(".tree details:not(.more)").forEach((d) => { d.open = expandAll; });
    return;
  }
  const statusButton = event.target.closest(".sb button[data-s]");
  if (statusButton) {
    const row = statusButton.closest("li.item");
    htmx.ajax("POST", row.dataset.url, {
      target: "#" + row.id, swap: "outerHTML", values: { status: statusButton.dataset.s },
    });
  }
});

document.addEventListener("htmx:afterSwap", (event) => {
  if (!expandAll) return;
  event.target.querySelectorAll("details:not(.more)").forEach((d) => { d.open = true; });
});

// A failed request (a wrong id, a bad value) shows the server's message instead of nothing.
document.addEventListener("htmx:responseError", (event) => {
  const xhr = event.detail.xhr;
  window.alert(xhr.responseText || `Error ${xhr.status}`);
});

// The report's print button (no inline handlers: the Content-Security-Policy forbids them).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});

// A code block or a table wider than its box scrolls inside itself (app.css): let the keyboard
// reach it too, as a focusable region.
function focusScrollers(root) {
  root.querySelectorAll("pre, main table, .heatmap").forEach((box) => {
    if (box.scrollWidth > box.clientWidth && !box.hasAttribute("tabindex")) box.tabIndex = 0;
  });
}
document.addEventListener("DOMContentLoaded", () => focusScrollers(document));
document.addEventListener("htmx:afterSwap", (event) => focusScrollers(event.target));
document.addEventListener("toggle", (event) => focusScrollers(event.target), true);
