/*
 * Training pages (no inline scripts: CSP script-src 'self').
 * - practice: the answer button stays disabled until an option is chosen;
 *   a second click while the form is being sent is ignored.
 * - posters: the print button.
 * - forms with data-confirm ask before submitting (delete a level, withdraw a series).
 */
(function () {
  "use strict";
  var form = document.getElementById("practice-form");
  if (form) {
    var button = document.getElementById("practice-submit");
    var update = function () { button.disabled = !form.querySelector("input[name=option]:checked"); };
    form.addEventListener("change", update);
    update();
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
    });
  }
  document.querySelectorAll("[data-print]").forEach(function (el) {
    el.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (el) {
    el.addEventListener("submit", function (event) {
      if (!window.confirm(el.dataset.confirm)) { event.preventDefault(); }
    });
  });
})();

// The notebook: open or close every question at once.
(function () {
  "use strict";
  var controls = document.getElementById("notebook-controls");
  if (!controls) { return; }
  controls.hidden = false;
  function setAll(open) {
    document.querySelectorAll("details.notebook-item").forEach(function (item) { item.open = open; });
  }
  controls.querySelector("[data-expand-all]").addEventListener("click", function () { setAll(true); });
  controls.querySelector("[data-collapse-all]").addEventListener("click", function () { setAll(false); });
})();
