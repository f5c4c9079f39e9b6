// The big-screen board: fetch the figures every few seconds and patch the page in place
// (text of existing cells, images swapped only once loaded), so nothing flickers.
// Slides cycle: unit board pages, top individuals, participation charts.
(function () {
  "use strict";
  var root = document.getElementById("display");
  if (!root) { return; }
  var dataUrl = root.getAttribute("data-url");
  var refreshMs = Math.max(5, parseInt(root.getAttribute("data-refresh"), 10) || 15) * 1000;
  var slideMs = Math.max(5, parseInt(root.getAttribute("data-slide"), 10) || 12) * 1000;
  var UNITS_PER_PAGE = 10;
  var data = null;
  var slides = [];
  var current = 0;

  function pct(value) { return value === null || value === undefined ? "-" : (value * 100).toFixed(1) + "%"; }
  function score(value) { return value === null || value === undefined ? "-" : String(Math.round(value * 100) / 100); }
  function duration(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m ? m + "分" + s + "秒" : s + "秒";
  }
  function setText(element, text) {
    if (element && element.textContent !== text) { element.textContent = text; }
  }
  function rankClass(rank) { return "rank-badge rank-" + (rank && rank <= 3 ? rank : "n"); }

  function ensureRows(tbody, count, cells) {
    while (tbody.rows.length < count) {
      var tr = tbody.insertRow();
      for (var i = 0; i < cells; i++) { tr.insertCell(); }
      tr.cells[0].className = "c-rank";
      tr.cells[0].appendChild(document.createElement("span"));
      for (var j = 2; j < cells; j++) { tr.cells[j].className = "c-num"; }
    }
    while (tbody.rows.length > count) { tbody.deleteRow(-1); }
  }

  // The first four cells of a unit row, on the unit board and the campaign slide alike:
  // rank badge, unit, participants/headcount, participation rate.
  function setUnitCells(cells, unit) {
    var badge = cells[0].firstElementChild || cells[0].appendChild(document.createElement("span"));
    if (badge.className !== rankClass(unit.rank)) { badge.className = rankClass(unit.rank); }
    setText(badge, unit.rank ? String(unit.rank) : "—");
    setText(cells[1], unit.unit);
    setText(cells[2], unit.participants + "/" + unit.headcount);
    setText(cells[3], pct(unit.participation_rate));
  }

  function renderUnits(page) {
    var tbody = document.querySelector("#units-table tbody");
    var units = data.units.slice(page * UNITS_PER_PAGE, (page + 1) * UNITS_PER_PAGE);
    ensureRows(tbody, units.length, 6);
    units.forEach(function (unit, index) {
      var cells = tbody.rows[index].cells;
      setUnitCells(cells, unit);
      setText(cells[4], score(unit.average_score));
      setText(cells[5], pct(unit.pass_rate));
      tbody.rows[index].classList.toggle("idle", !unit.participants);
    });
    var pages = Math.max(1, Math.ceil(data.units.length / UNITS_PER_PAGE));
    setText(document.getElementById("units-page"), "第 " + (page + 1) + " / " + pages + " 页");
  }

  function renderUsers() {
    var grid = document.getElementById("users-grid");
    while (grid.children.length < data.users.length) {
      var card = document.createElement("div");
      card.className = "user-card";
      ["rank-badge", "user-name", "user-unit", "user-score", "user-time"].forEach(function (cls) {
        var span = document.createElement("span");
        span.className = cls;
        card.appendChild(span);
      });
      grid.appendChild(card);
    }
    while (grid.children.length > data.users.length) { grid.removeChild(grid.lastElementChild); }
    data.users.forEach(function (user, index) {
      var spans = grid.children[index].children;
      if (spans[0].className !== rankClass(user.rank)) { spans[0].className = rankClass(user.rank); }
      setText(spans[0], String(user.rank));
      setText(spans[1], user.display_name);
      setText(spans[2], user.unit || "");
      setText(spans[3], score(user.best_score) + "分");
      setText(spans[4], duration(user.duration_seconds));
    });
    document.getElementById("users-empty").hidden = data.users.length > 0;
  }

  // The campaign slide (only when the quiz belongs to a campaign): its top units.
  function renderCampaign() {
    var campaign = data.campaign;
    if (!campaign) { return; }
    setText(document.getElementById("campaign-title"), campaign.title);
    var tbody = document.querySelector("#campaign-table tbody");
    var units = campaign.units.slice(0, UNITS_PER_PAGE);
    ensureRows(tbody, units.length, 5);
    units.forEach(function (unit, index) {
      var cells = tbody.rows[index].cells;
      setUnitCells(cells, unit);
      setText(cells[4], unit.average_score === null ? "-" : unit.average_score.toFixed(1) + "%");
    });
  }

  function swapImage(id, url) {
    var img = document.getElementById(id);
    if (!img || img.getAttribute("src") === url) { return; }
    var next = new Image();
    next.onload = function () { img.src = url; };  // swap once loaded: no blank frame
    next.src = url;
  }

  function renderCommon() {
    var summary = data.summary;
    root.querySelectorAll("[data-field]").forEach(function (element) {
      var field = element.getAttribute("data-field");
      if (field === "participation_rate") { setText(element, pct(summary.participation_rate)); }
      else if (field === "average_score") { setText(element, score(summary.average_score)); }
      else if (field === "participants" || field === "full_marks") { setText(element, String(summary[field])); }
      else if (field === "metric_label") { setText(element, data.metric_label); }
      else if (field === "updated_at") { setText(element, clockText(new Date(data.updated_at)).slice(11)); }
    });
    setText(document.getElementById("quiz-title"), data.quiz);
    swapImage("chart-participation", data.charts.participation);
    swapImage("chart-daily", data.charts.daily);
    renderUsers();
    renderCampaign();
  }

  function buildSlides() {
    var list = [];
    var pages = Math.max(1, Math.ceil(data.units.length / UNITS_PER_PAGE));
    for (var page = 0; page < pages; page++) { list.push({ kind: "units", page: page }); }
    list.push({ kind: "users" });
    list.push({ kind: "charts" });
    if (data.campaign) { list.push({ kind: "campaign" }); }
    return list;
  }

  function renderDots() {
    var dots = document.getElementById("dots");
    var text = slides.map(function (_, i) { return i === current ? "●" : "○"; }).join(" ");
    setText(dots, slides.length > 1 ? text : "");
  }

  function show(index) {
    var slide = slides[index];
    var previous = slides[current];
    current = index;
    var section = root.querySelector('.slide[data-slide="' + slide.kind + '"]');
    if (slide.kind === "units") {
      if (previous && previous.kind === "units" && previous.page !== slide.page) {
        section.classList.add("turning");
        window.setTimeout(function () { renderUnits(slide.page); section.classList.remove("turning"); }, 400);
      } else {
        renderUnits(slide.page);
      }
    }
    root.querySelectorAll(".slide").forEach(function (element) {
      element.classList.toggle("active", element === section);
    });
    renderDots();
  }

  function advance() {
    if (!data) { return; }
    show((current + 1) % slides.length);
  }

  function apply(next) {
    data = next;
    slides = buildSlides();
    if (current >= slides.length) { current = 0; }
    renderCommon();
    if (slides[current].kind === "units") { renderUnits(slides[current].page); }
    renderDots();
  }

  function status(text) { setText(document.getElementById("status"), text); }

  function refresh() {
    fetch(dataUrl, { cache: "no-store", credentials: "omit", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (response.status === 404) {
          document.getElementById("gone").hidden = false;
          root.classList.add("revoked");
          status("");
          return null;
        }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (next) {
        if (next) { apply(next); status(""); }
      })
      .catch(function () { status("网络连接中断，正在重试…"); });
  }

  function clockText(when) {
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return when.getFullYear() + "-" + pad(when.getMonth() + 1) + "-" + pad(when.getDate()) + " " +
      pad(when.getHours()) + ":" + pad(when.getMinutes()) + ":" + pad(when.getSeconds());
  }

  function tick() { setText(document.getElementById("clock"), clockText(new Date())); }

  tick();
  window.setInterval(tick, 1000);
  refresh();
  window.setInterval(refresh, refreshMs);
  window.setInterval(advance, slideMs);
})();
