// "Copy" buttons next to a generated password. Without JavaScript the
// buttons stay hidden and the password is plain selectable text.
(function () {
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    var status = button.parentNode.querySelector(".aqp-copy-status");
    if (!target || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        if (status) { status.textContent = button.getAttribute("data-copied") || "Copié"; }
      });
    });
  });
})();
