/* 线下培训 sign-in screen (templates/offline/qr.html): asks the server for the current code every
   few seconds and swaps the QR image, the 6 digits and the count without reloading the page.
   The code itself is made by the server (quiz/offline/services.py); the page only shows it. */
(function () {
  "use strict";
  var root = document.getElementById("checkin-display");
  if (!root) { return; }
  var url = root.getAttribute("data-url");
  var poll = Math.max(1, parseInt(root.getAttribute("data-poll"), 10) || 3) * 1000;
  var image = document.getElementById("qr-image");
  var closed = document.getElementById("qr-closed");
  var link = document.getElementById("qr-link");
  var digits = document.getElementById("qr-code");
  var seconds = document.getElementById("qr-seconds");
  var count = document.getElementById("qr-count");
  var recent = document.getElementById("qr-recent");
  var offline = document.getElementById("qr-offline");
  var left = parseInt(seconds.textContent, 10) || 0;

  function show(state) {
    root.setAttribute("data-open", state.open ? "1" : "0");
    if (state.open && state.qr) {
      if (image.getAttribute("src") !== state.qr) { image.setAttribute("src", state.qr); }
      image.hidden = false;
      closed.hidden = true;
      link.setAttribute("href", state.url);
      digits.textContent = state.code;
    } else {
      image.hidden = true;
      closed.hidden = false;
      closed.textContent = state.message;
      link.setAttribute("href", "");
      digits.textContent = "------";
    }
    count.textContent = state.count;
    recent.textContent = "";
    (state.recent || []).forEach(function (name) {
      var item = document.createElement("li");
      item.textContent = name;
      recent.appendChild(item);
    });
    left = state.seconds_left;
    seconds.textContent = left;
  }

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (state) { offline.hidden = true; show(state); })
      .catch(function () { offline.hidden = false; });
  }

  window.setInterval(function () {
    left -= 1;
    if (left <= 0) { refresh(); left = 0; }
    seconds.textContent = left;
  }, 1000);
  window.setInterval(refresh, poll);
})();
