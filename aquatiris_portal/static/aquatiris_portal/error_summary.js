/* The error summary of a form that came back (_error_summary.html): focus
   it on load, so a phone shows it at the top and a screen reader reads it;
   a link of the summary moves the focus into its field, not only the view. */
(function () {
  "use strict";
  var summary = document.querySelector("[data-aqp-error-summary]");
  if (!summary) { return; }
  // Its top at the top of the screen: a focus alone may center it, and a
  // tall summary on a phone then loses its heading above the screen.
  summary.focus({ preventScroll: true });
  summary.scrollIntoView({ block: "start" });
  summary.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
    if (!link) { return; }
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) { return; }
    event.preventDefault();
    (target.closest(".aqp-field") || target).scrollIntoView();
    target.focus({ preventScroll: true });
  });
}());
