/* Every page (loaded by base.html; no inline scripts: CSP script-src 'self'):
 * - forms with data-confirm ask before they submit (delete, unpublish, withdraw);
 * - [data-print] buttons print the page (posters, boards, credentials). */
(function () {
  "use strict";
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
