// Progressive enhancement for decisionlog's pages. Every page works without it.
// - Time travel: the slider says which event it points at, and shows the board there
//   once let go (the "Show" button stays for keyboards and for pages without script).
// - Forms that record a change: the submit button is disabled once sent, so a double
//   click sends one request (the server records a form once anyway: its idempotency key).
// - After an error, focus moves to the list of problems.
// - The sign-in link `make serve` prints (/sign-in#token=...) signs in: the token is read
//   from the address' fragment, which never reaches the server or its logs, taken out of
//   the address bar, and sent with the form as if pasted.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    var slider = form.querySelector("input[type=range]");
    var output = form.querySelector("output");
    if (!slider) { return; }
    slider.addEventListener("input", function () {
      if (output) { output.textContent = slider.value + " of " + slider.max; }
    });
    slider.addEventListener("change", function () { form.submit(); });
  });
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        window.setTimeout(function () { button.disabled = true; }, 0);
        button.textContent = "Sending…";
      });
    });
  });
  var token = document.getElementById("token");
  var match = /^#token=(dl_[0-9a-f_]+)$/.exec(window.location.hash);
  if (token && match) {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
    token.value = match[1];
    token.form.submit();
  }
  var problems = document.getElementById("problems");
  if (problems) { problems.focus(); }
});
