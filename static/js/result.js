/* The result page's review: "只看错题" and opening or closing every question at once. */
(function () {
  "use strict";
  var list = document.getElementById("review-list");
  var controls = document.getElementById("review-controls");
  if (!list || !controls) { return; }
  controls.hidden = false;
  var items = list.querySelectorAll(".review-item");
  var onlyWrong = document.getElementById("only-wrong");

  onlyWrong.addEventListener("click", function () {
    var on = onlyWrong.getAttribute("aria-pressed") !== "true";
    onlyWrong.setAttribute("aria-pressed", on ? "true" : "false");
    list.classList.toggle("only-wrong", on);
    if (on) { list.querySelectorAll(".review-item.is-wrong").forEach(function (item) { item.open = true; }); }
  });
  document.getElementById("expand-all").addEventListener("click", function () {
    items.forEach(function (item) { item.open = true; });
  });
  document.getElementById("collapse-all").addEventListener("click", function () {
    items.forEach(function (item) { item.open = false; });
  });
})();
