/* The client space's one navigation: on a phone its links (space menu and
   account) fold behind a "Menu" button. Without this script every link is
   shown, as on a wide screen. Static file (CSP script-src 'self'). */
(function () {
  "use strict";
  var menu = document.querySelector("[data-aqp-menu]");
  if (!menu) { return; }
  var button = menu.querySelector(".aqp-menu__toggle");
  if (!button) { return; }
  menu.classList.add("aqp-js");
  button.hidden = false;
  function set(open) {
    menu.classList.toggle("is-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }
  button.addEventListener("click", function () { set(!menu.classList.contains("is-open")); });
  menu.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && menu.classList.contains("is-open")) { set(false); button.focus(); }
  });
}());
