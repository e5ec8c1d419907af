// The review page's keyboard: j/k move between findings, c/d confirm or dispute the current one.
// Everything also works by Tab and Enter; these keys only save moving through each finding's controls.
(function () {
  "use strict";
  const rows = () => Array.from(document.querySelectorAll(".finding"));
  let currentId = null;

  function current() {
    const focused = document.activeElement && document.activeElement.closest(".finding");
    return focused || (currentId && document.getElementById(currentId)) || null;
  }

  function select(row) {
    rows().forEach((r) => r.classList.toggle("current", r === row));
    currentId = row.id;
    row.focus();
    row.scrollIntoView({ block: "center" });
  }

  function move(step) {
    const all = rows();
    if (!all.length) return;
    const at = all.indexOf(current());
    const next = at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(Math.max(at + step, 0), all.length - 1);
    select(all[next]);
  }

  function decide(decision) {
    const row = current();
    const button = row && row.querySelector('button[name="decision"][value="' + decision + '"]');
    if (button) button.click();
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (event.target.closest("input, textarea, select, [contenteditable]")) return; // typing, not commanding
    const action = { j: () => move(1), k: () => move(-1), c: () => decide("confirm"), d: () => decide("dispute") }[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  // A review swaps the finding's row for a new one: keep the focus where it was (the row or the same button).
  let restore = null;
  document.addEventListener("htmx:beforeRequest", (event) => {
    const row = event.target.closest(".finding");
    if (!row) return;
    const active = document.activeElement;
    restore = { id: row.id, button: active && active.matches("button") && row.contains(active) ? active.value : null };
  });
  document.addEventListener("htmx:afterSettle", () => {
    if (!restore) return;
    const row = document.getElementById(restore.id);
    if (row) {
      const button = restore.button && row.querySelector('button[value="' + restore.button + '"]');
      if (currentId === row.id) row.classList.add("current");
      (button || row).focus();
    }
    restore = null;
  });

  document.addEventListener("DOMContentLoaded", () => {
    const print = document.getElementById("print-report");
    if (print) print.addEventListener("click", () => window.print());
  });
})();
