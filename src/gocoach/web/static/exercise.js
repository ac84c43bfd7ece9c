// Exercise page: a CodeMirror editor per file (tabs), Ctrl+Enter runs the tests,
// a 503 (graders busy / no sandbox) is shown in place, "mark done" buttons confirm in place.
const editors = [];

function setUpEditors() {
  document.querySelectorAll("textarea.go-editor").forEach((area) => {
    const editor = CodeMirror.fromTextArea(area, {
      mode: "go", lineNumbers: true, indentUnit: 4, tabSize: 4, indentWithTabs: true,
      viewportMargin: Infinity,
      screenReaderLabel: area.name.replace(/^file:/, ""),  // the file name labels the editor
      extraKeys: { "Ctrl-Enter": runTests, "Cmd-Enter": runTests },
    });
    editors.push(editor);
  });
}

function runTests() {
  const form = document.getElementById("run-form");
  if (form) htmx.trigger(form, "submit");
}

document.addEventListener("DOMContentLoaded", () => {
  if (window.CodeMirror) setUpEditors();
});

document.addEventListener("click", (event) => {
  const tab = event.target.closest(".ex-tabs button[data-tab]");
  if (!tab) return;
  document.querySelectorAll(".ex-tabs button").forEach((b) => b.classList.toggle("active", b === tab));
  document.querySelectorAll(".ex-file").forEach((pane) => {
    pane.classList.toggle("active", pane.dataset.pane === tab.dataset.tab);
  });
  const editor = editors[Number(tab.dataset.tab)];
  if (editor) editor.refresh();
});

// The editors' text goes into the form fields right before htmx sends them.
document.addEventListener("htmx:configRequest", (event) => {
  if (event.detail.elt.id !== "run-form") return;
  editors.forEach((editor) => {
    event.detail.parameters[editor.getTextArea().name] = editor.getValue();
  });
});

document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status === 503 && event.detail.target.id === "results") {
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
