/* Idle logout warning (RGAA 13.1): two minutes before the session ends for
   inactivity, a dialog says so and offers "Stay logged in", which asks the
   server to record the activity. Any page load starts the count again.
   Static file, no inline script (CSP script-src 'self'). */
(function () {
  "use strict";
  var dialog = document.querySelector("[data-aqp-idle]");
  if (!dialog) { return; }
  var idle = parseInt(dialog.getAttribute("data-idle-seconds"), 10) || 0;
  var warn = parseInt(dialog.getAttribute("data-warn-seconds"), 10) || 0;
  var url = dialog.getAttribute("data-keepalive-url");
  var stay = dialog.querySelector("[data-aqp-idle-stay]");
  var ended = dialog.querySelector("[data-aqp-idle-ended]");
  if (!idle || !url || !stay) { return; }
  var warnTimer = null;
  var endTimer = null;
  var lastFocus = null;

  function open() {
    lastFocus = document.activeElement;
    if (typeof dialog.showModal === "function") { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
    stay.focus();
  }

  function close() {
    if (typeof dialog.close === "function" && dialog.open) { dialog.close(); } else { dialog.removeAttribute("open"); }
    if (lastFocus && typeof lastFocus.focus === "function") { lastFocus.focus(); }
  }

  function sessionEnded() {
    ended.hidden = false;
    stay.disabled = true;
    window.setTimeout(function () { window.location.reload(); }, 3000);
  }

  function schedule() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    warnTimer = window.setTimeout(open, Math.max(0, idle - warn) * 1000);
    // A little after the server's limit, the page shows the login again.
    endTimer = window.setTimeout(function () { window.location.reload(); }, (idle + 5) * 1000);
  }

  stay.addEventListener("click", function () {
    window.fetch(url, {credentials: "same-origin", cache: "no-store"}).then(function (response) {
      if (response.status === 204) { close(); schedule(); } else { sessionEnded(); }
    }, sessionEnded);
  });
  // Escape closes a modal dialog: that is "I am here" too.
  dialog.addEventListener("cancel", function (event) { event.preventDefault(); stay.click(); });
  schedule();
}());
