/*
 * Training pages (no inline scripts: CSP script-src 'self').
 * - practice: the answer button stays disabled until an option is chosen;
 *   a second click while the form is being sent is ignored.
 * (Confirmations and the posters' print button: app.js.)
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
