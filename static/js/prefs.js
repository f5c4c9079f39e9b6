/*
 * Reading preferences of this browser, on every page: the font size (标准 / 大 / 特大).
 * Loaded in <head>, so the chosen size applies before the first paint; the buttons of
 * the navigation bar are wired once the page has loaded.  Kept in localStorage.
 */
(function () {
  "use strict";
  var KEY = "anquan.fontSize";
  var SIZES = ["normal", "large", "xlarge"];
  var root = document.documentElement;

  function stored() {
    try { return localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function apply(size) {
    if (SIZES.indexOf(size) < 0) { size = "normal"; }
    root.setAttribute("data-font-size", size);
    document.querySelectorAll("[data-font-size]").forEach(function (button) {
      if (button === root) { return; }
      button.setAttribute("aria-pressed", button.getAttribute("data-font-size") === size ? "true" : "false");
    });
    return size;
  }
  apply(stored());

  document.addEventListener("DOMContentLoaded", function () {
    apply(stored());
    document.querySelectorAll("button[data-font-size]").forEach(function (button) {
      button.addEventListener("click", function () {
        var size = apply(button.getAttribute("data-font-size"));
        try { localStorage.setItem(KEY, size); } catch (e) { /* private mode: this page only */ }
      });
    });
  });
})();
