// Exercise page: a CodeMirror editor per file (tabs), Ctrl+Enter runs the tests,
// a 503 (graders busy / no sandbox) is shown in place, "mark done" buttons confirm in place,
// the compiler's lines are marked in the editor and its locations move the cursor there,
// and "reset" puts the starter back after a confirm.
const editors = [];
const marks = [];  // {editor, handle} of the lines the last run's compiler named

function setUpEditors() {
  document.querySelectorAll("textarea.go-editor").forEach((area) => {
    const editor = CodeMirror.fromTextArea(area, {
      mode: "go", lineNumbers: true, indentUnit: 4, tabSize: 4, indentWithTabs: true,
      viewportMargin: Infinity, gutters: ["ex-marks", "CodeMirror-linenumbers"],
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

function fileName(area) {
  return area.name.replace(/^file:/, "");
}

// The tab (and its pane) of a file: its number, or -1 when the editor has no such file.
function paneOf(file) {
  const tab = Array.from(document.querySelectorAll(".ex-tabs button[data-tab]"))
    .find((button) => button.textContent === file);
  return tab ? Number(tab.dataset.tab) : -1;
}

function showPane(index) {
  document.querySelectorAll(".ex-tabs button[data-tab]").forEach((b) => {
    b.classList.toggle("active", Number(b.dataset.tab) === index);
  });
  document.querySelectorAll(".ex-file").forEach((pane) => {
    pane.classList.toggle("active", Number(pane.dataset.pane) === index);
  });
  const editor = editors[index];
  if (editor) editor.refresh();
}

document.addEventListener("click", (event) => {
  const tab = event.target.closest(".ex-tabs button[data-tab]");
  if (tab) showPane(Number(tab.dataset.tab));
});

// --- the compiler's lines: marked in the gutter, a location click moves the cursor there ---

function clearMarks() {
  marks.forEach(({ editor, handle }) => {
    editor.removeLineClass(handle, "background", "ex-error-line");
    editor.setGutterMarker(handle, "ex-marks", null);
  });
  marks.length = 0;
}

function markCompilerLines(result) {
  clearMarks();
  result.querySelectorAll("a.ex-loc").forEach((link) => {
    const editor = editors[paneOf(link.dataset.file)];
    const line = Number(link.dataset.line) - 1;
    if (!editor || line < 0 || line >= editor.lineCount()) return;
    const handle = editor.addLineClass(line, "background", "ex-error-line");
    const marker = document.createElement("span");
    marker.className = "ex-error-mark";
    marker.textContent = "●";
    marker.title = link.dataset.message || "";
    editor.setGutterMarker(handle, "ex-marks", marker);
    marks.push({ editor, handle });
  });
}

function goTo(file, line, column) {
  const index = paneOf(file);
  if (index < 0) return;
  showPane(index);
  const editor = editors[index];
  if (editor) {
    editor.focus();
    editor.setCursor({ line: line - 1, ch: Math.max(column - 1, 0) });
    editor.scrollIntoView(null, 80);
    return;
  }
  const area = document.querySelectorAll("textarea.go-editor")[index];  // no CodeMirror
  const lines = area.value.split("\n");
  const at = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0);
  area.focus();
  area.setSelectionRange(at + column - 1, at + column - 1);
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a.ex-loc");
  if (!link) return;
  event.preventDefault();
  goTo(link.dataset.file, Number(link.dataset.line), Number(link.dataset.col || 1));
});

// --- reset: the starter back in the editor, after a confirm (submissions stay in history) ---

function starterOf(file) {
  const template = Array.from(document.querySelectorAll("template.ex-starter"))
    .find((node) => node.dataset.file === file);
  return template ? template.content.textContent : "";  // a file not in the starter: emptied
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button.ex-reset");
  if (!button || !window.confirm(button.dataset.confirm)) return;
  clearMarks();
  if (editors.length) {
    editors.forEach((editor) => editor.setValue(starterOf(fileName(editor.getTextArea()))));
  } else {
    document.querySelectorAll("textarea.go-editor").forEach((area) => {
      area.value = starterOf(fileName(area));
    });
  }
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

// A run's result (not one opened from the history) marks the compiler's lines in the editor.
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.target.id !== "results") return;
  const live = event.detail.target.querySelector(".ex-result[data-live]");
  if (live) markCompilerLines(live);
});

document.addEventListener("htmx:afterRequest", (event) => {
  const button = event.detail.elt;
  if (!button.classList || !button.classList.contains("mark-done")) return;
  if (event.detail.successful) {
    button.disabled = true;
    button.textContent = "✔ " + button.dataset.done;
  }
});
