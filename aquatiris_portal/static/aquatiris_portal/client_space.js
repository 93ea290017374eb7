/* Contact form: show the after-sales reason list only for after-sales
   subjects. Without this script the list is always shown (its label says
   it is for after-sales only) and the server checks it. */
(function () {
  "use strict";
  var form = document.querySelector("[data-aqp-contact-form]");
  if (!form) { return; }
  var subject = form.querySelector("[data-aqp-subject]");
  var reason = form.querySelector("[data-aqp-reason]");
  if (!subject || !reason) { return; }
  var afterSales = (subject.getAttribute("data-after-sales-subjects") || "").split(" ").filter(Boolean);
  var select = reason.querySelector("select");
  function update() {
    var shown = afterSales.indexOf(subject.value) !== -1;
    reason.hidden = !shown;
    if (select) {
      select.disabled = !shown;
      // Required while shown: the browser asks for it before the files are sent.
      select.required = shown;
      if (shown) { select.setAttribute("aria-required", "true"); } else { select.removeAttribute("aria-required"); }
    }
  }
  subject.addEventListener("change", update);
  update();
}());
