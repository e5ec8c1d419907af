// The practice page: after a turn is played, empty the box and put the focus back in it for the next one.
// Without script the form posts and the page reloads, with the focus in the same box (autofocus).
(function () {
  "use strict";
  document.addEventListener("htmx:afterRequest", (event) => {
    const form = event.target.closest && event.target.closest("#turn-form");
    if (!form || !event.detail.successful) return; // an error keeps the words, to correct and send again
    const box = form.querySelector("#turn-text");
    box.value = "";
    box.focus();
  });
})();
