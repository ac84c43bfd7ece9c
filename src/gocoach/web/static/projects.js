// Project pages: a refused upload (400, 413, 503) is shown in place of the results,
// "mark done" buttons confirm in place.
document.addEventListener("htmx:beforeSwap", (event) => {
  const status = event.detail.xhr.status;
  if ([400, 413, 503].includes(status) && event.detail.target.id === "results") {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

document.addEventListener("htmx:afterRequest", (event) => {
  const button = event.detail.elt;
  if (!button.classList || !button.classList.contains("mark-done")) return;
  if (event.detail.successful) {
    button.disabled = true;
    button.textContent = "✔ " + button.dataset.done;
  }
});
