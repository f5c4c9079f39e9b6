/*
 * The timed attempt page.
 * - Every choice is saved at once through the JSON API (session cookie + CSRF header);
 *   a failed save is retried until it succeeds or the server says time is up.
 * - The countdown shows the server's deadline: it is re-synced from every save
 *   response, so a sleeping phone or a throttled tab cannot stretch the time.
 *   At 5 and at 1 minute left a warning shows and is announced once to screen readers
 *   (a live region of its own: the ticking countdown is not one).
 * - 答题卡: every question's number with its state (answered, unanswered, marked);
 *   a number goes to its question.  标记 is kept with the attempt on the server.
 * - Two layouts: all questions on one page, or one per screen with 上一题/下一题 and
 *   swipes; the quiz sets the default, the taker's switch is remembered per quiz.
 * - Leaving the page (tab or app switch) is counted as evidence for trainers.
 * - The server signs out a browser idle for 30 minutes; every save keeps the sign-in alive,
 *   and while the employee is working on the page without saving (reading a long question)
 *   one cheap request every 5 minutes does the same.
 */
(function () {
  "use strict";
  var root = document.getElementById("attempt");
  if (!root) { return; }
  var apiBase = root.dataset.api;
  var resultUrl = root.dataset.resultUrl;
  var csrfUrl = root.dataset.csrfUrl;
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var countdown = document.getElementById("countdown");
  var saveStatus = document.getElementById("save-status");
  var answeredCount = document.getElementById("answered-count");
  var markedCount = document.getElementById("marked-count");
  var deadline = Date.now() + Number(root.dataset.secondsLeft) * 1000;
  var cards = Array.prototype.slice.call(document.querySelectorAll(".question-card"));
  var gridLinks = Array.prototype.slice.call(document.querySelectorAll("#answer-card-grid .card-num"));
  var pending = {};       // question id -> latest selection waiting to be saved
  var inFlight = {};      // question id -> true while a request is running
  var finished = false;
  var KEEPALIVE_MS = 5 * 60 * 1000;
  var lastActivity = 0;           // the employee's last touch, key, click or scroll
  var lastContact = Date.now();   // the last request to the server

  function store(kind) {
    try { return kind === "session" ? window.sessionStorage : window.localStorage; } catch (e) { return null; }
  }
  function load(kind, key) { var s = store(kind); try { return s ? s.getItem(key) : null; } catch (e) { return null; } }
  function keep(kind, key, value) { var s = store(kind); try { if (s) { s.setItem(key, value); } } catch (e) { /* full or private */ } }

  function setStatus(text, kind) {
    saveStatus.textContent = text;
    saveStatus.className = "save-status text-end " + (kind || "");
  }

  function syncDeadline(secondsLeft) { deadline = Date.now() + secondsLeft * 1000; }

  function goToResult() {
    if (finished) { return; }
    finished = true;
    window.location.assign(resultUrl);
  }

  function refreshCsrf() {
    return fetch(csrfUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (body) { csrfMeta.setAttribute("content", body.csrf_token); });
  }

  function api(method, url, body) {
    lastContact = Date.now();
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      keepalive: method === "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfMeta.getAttribute("content") },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
  }

  ["pointerdown", "keydown", "scroll", "touchstart"].forEach(function (name) {
    window.addEventListener(name, function () { lastActivity = Date.now(); }, { passive: true });
  });
  window.setInterval(function () {
    if (finished || lastActivity <= lastContact || Date.now() - lastContact < KEEPALIVE_MS) { return; }
    lastContact = Date.now();
    refreshCsrf().catch(function () { /* the next save retries and reports */ });
  }, 60 * 1000);

  function withBody(response) {
    return response.json().catch(function () { return {}; }).then(function (body) { return { response: response, body: body }; });
  }

  function cardOf(questionId) {
    return document.querySelector('.question-card[data-question-id="' + questionId + '"]');
  }

  function selectionOf(fieldset) {
    var ids = [];
    fieldset.querySelectorAll("input:checked").forEach(function (input) { ids.push(Number(input.value)); });
    return ids.sort(function (a, b) { return a - b; });
  }

  function isAnswered(card) { return !!card.querySelector("input:checked"); }
  function isMarked(card) { return card.classList.contains("is-marked"); }

  // ------------------------------------------------------------ 答题卡 and counts

  function refreshCardState(card) {
    var link = gridLinks[Number(card.dataset.index)];
    if (!link) { return; }
    var answered = isAnswered(card), marked = isMarked(card);
    link.classList.toggle("is-answered", answered);
    link.classList.toggle("is-marked", marked);
    link.setAttribute("aria-label", "第 " + card.dataset.number + " 题，" + (answered ? "已答" : "未答") + (marked ? "，已标记" : ""));
  }

  function updateCounts() {
    var answered = 0, marked = 0;
    cards.forEach(function (card) {
      if (isAnswered(card)) { answered += 1; }
      if (isMarked(card)) { marked += 1; }
    });
    answeredCount.textContent = answered;
    markedCount.textContent = marked;
    document.querySelectorAll("[data-answered]").forEach(function (el) { el.textContent = answered; });
    return answered;
  }

  function questionState(questionId, text, kind) {
    var fs = cardOf(questionId);
    var el = fs && fs.querySelector(".question-save-state");
    if (el) { el.textContent = text; el.className = "small question-save-state " + (kind || "text-muted"); }
  }

  // ------------------------------------------------------------ saving answers

  function save(questionId, attemptNo) {
    if (inFlight[questionId] || finished) { return; }
    var selected = pending[questionId];
    if (selected === undefined) { return; }
    inFlight[questionId] = true;
    setStatus("正在保存…", "pending");
    api("PUT", apiBase + "/answers/" + questionId, { selected: selected })
      .then(withBody)
      .then(function (res) {
        inFlight[questionId] = false;
        if (res.response.ok) {
          if (pending[questionId] === selected) { delete pending[questionId]; }
          syncDeadline(res.body.seconds_left);
          questionState(questionId, "已保存", "text-success");
          if (Object.keys(pending).length === 0) { setStatus("全部答案已保存", "ok"); }
          save(questionId, 0);  // a newer choice made while this one was in flight
          return;
        }
        if (res.response.status === 409) { setStatus("答题时间已到，正在交卷…", "error"); goToResult(); return; }
        if (res.response.status === 400) { return refreshCsrf().then(function () { retry(questionId, attemptNo); }); }
        if (res.response.status === 401) { setStatus("登录已失效，请重新登录后继续（已保存的答案不会丢失）", "error"); return; }
        var message = (res.body && res.body.message) || "保存失败";
        questionState(questionId, message, "error");
        // 5xx (the database restarting, the disk full ...) and 429: the server's own words, then retry
        if (res.response.status >= 500 || res.response.status === 429) { retry(questionId, attemptNo, res.body && res.body.message); }
      })
      .catch(function () {
        inFlight[questionId] = false;
        retry(questionId, attemptNo);
      });
  }

  function retry(questionId, attemptNo, serverMessage) {
    var delay = Math.min(1000 * Math.pow(2, attemptNo || 0), 15000);
    setStatus(serverMessage ? serverMessage + "（正在自动重试…）" : "网络异常，答案未保存，正在重试…", "error");
    questionState(questionId, "未保存，正在重试", "error");
    setTimeout(function () { save(questionId, (attemptNo || 0) + 1); }, delay);
  }

  cards.forEach(function (fieldset) {
    fieldset.addEventListener("change", function () {
      var questionId = fieldset.dataset.questionId;
      pending[questionId] = selectionOf(fieldset);
      refreshCardState(fieldset);
      updateCounts();
      save(questionId, 0);
    });
  });

  // Retry everything pending as soon as the network is back.
  window.addEventListener("online", function () { Object.keys(pending).forEach(function (q) { save(q, 0); }); });

  // ------------------------------------------------------------ 标记

  function showMark(card, marked) {
    card.classList.toggle("is-marked", marked);
    var button = card.querySelector("[data-mark]");
    button.setAttribute("aria-pressed", marked ? "true" : "false");
    button.querySelector(".mark-text").textContent = marked ? "已标记" : "标记";
    refreshCardState(card);
    updateCounts();
  }

  function setMark(card, marked, attemptNo) {
    var questionId = card.dataset.questionId;
    showMark(card, marked);
    card.dataset.markWanted = marked ? "1" : "0";
    api("PUT", apiBase + "/marks/" + questionId, { marked: marked })
      .then(withBody)
      .then(function (res) {
        if (card.dataset.markWanted !== (marked ? "1" : "0")) { return; }  // a newer click won
        if (res.response.ok) { showMark(card, res.body.marked); return; }
        if (res.response.status === 409) { setStatus("答题时间已到，正在交卷…", "error"); goToResult(); return; }
        if (res.response.status === 400 && (attemptNo || 0) < 2) {
          return refreshCsrf().then(function () { setMark(card, marked, (attemptNo || 0) + 1); });
        }
        showMark(card, !marked);
        questionState(questionId, (res.body && res.body.message) || "标记未保存，请重试", "error");
      })
      .catch(function () {
        if (card.dataset.markWanted !== (marked ? "1" : "0")) { return; }
        showMark(card, !marked);
        questionState(questionId, "网络异常，标记未保存，请重试", "error");
      });
  }

  cards.forEach(function (card) {
    card.querySelector("[data-mark]").addEventListener("click", function () { setMark(card, !isMarked(card), 0); });
  });

  // ------------------------------------------------------------ layout: list or one per screen

  var modeKey = "anquan.viewMode.quiz." + root.dataset.quizId;
  var positionKey = "anquan.attempt." + root.dataset.attemptId + ".position";
  var mode = load("local", modeKey) || root.dataset.defaultMode || "list";
  var current = 0;
  var prevButton = document.getElementById("prev-question");
  var nextButton = document.getElementById("next-question");
  var positionLabel = document.getElementById("position-label");

  function indexFromHash() {
    var match = /^#q-(\d+)$/.exec(window.location.hash || "");
    if (!match) { return null; }
    var index = Number(match[1]) - 1;
    return index >= 0 && index < cards.length ? index : null;
  }

  function showCurrent() {
    cards.forEach(function (card, i) { card.classList.toggle("is-current", i === current); });
    gridLinks.forEach(function (link, i) {
      if (i === current && mode === "single") { link.setAttribute("aria-current", "step"); } else { link.removeAttribute("aria-current"); }
    });
    prevButton.disabled = current <= 0;
    nextButton.disabled = current >= cards.length - 1;
    positionLabel.textContent = "第 " + (current + 1) + " / " + cards.length + " 题";
  }

  function goTo(index, options) {
    options = options || {};
    if (index < 0 || index >= cards.length) { return; }
    current = index;
    keep("session", positionKey, String(index));
    showCurrent();
    if (window.history && window.history.replaceState) { window.history.replaceState(null, "", "#q-" + (index + 1)); }
    var card = cards[index];
    if (mode === "single") {
      window.scrollTo({ top: 0 });
    } else {
      card.scrollIntoView({ block: "start" });
    }
    if (options.focus !== false) { card.focus({ preventScroll: true }); }
  }

  function setMode(next, remember) {
    mode = next === "single" ? "single" : "list";
    root.classList.toggle("mode-single", mode === "single");
    root.classList.toggle("mode-list", mode === "list");
    document.querySelectorAll(".view-switch [data-mode]").forEach(function (button) {
      button.setAttribute("aria-pressed", button.dataset.mode === mode ? "true" : "false");
    });
    if (remember) { keep("local", modeKey, mode); }
    showCurrent();
  }

  document.querySelectorAll(".view-switch [data-mode]").forEach(function (button) {
    button.addEventListener("click", function () {
      setMode(button.dataset.mode, true);
      goTo(current, { focus: false });
    });
  });
  prevButton.addEventListener("click", function () { goTo(current - 1, { focus: true }); });
  nextButton.addEventListener("click", function () { goTo(current + 1, { focus: true }); });

  // Swipes (one-question mode on touch screens): a mostly horizontal stroke of 60 px or more.
  var touch = null;
  var questions = document.getElementById("questions");
  questions.addEventListener("touchstart", function (event) {
    if (mode !== "single" || event.touches.length !== 1) { touch = null; return; }
    touch = { x: event.touches[0].clientX, y: event.touches[0].clientY, t: Date.now() };
  }, { passive: true });
  questions.addEventListener("touchend", function (event) {
    if (!touch || mode !== "single") { return; }
    var t = event.changedTouches[0];
    var dx = t.clientX - touch.x, dy = t.clientY - touch.y;
    var quick = Date.now() - touch.t < 1000;
    touch = null;
    if (quick && Math.abs(dx) >= 60 && Math.abs(dx) > 2 * Math.abs(dy)) {
      goTo(dx < 0 ? current + 1 : current - 1, { focus: true });
    }
  }, { passive: true });

  // A number in the 答题卡 (or in the 交卷 dialog) goes to its question.
  var answerCard = document.getElementById("answer-card");
  function closeAnswerCard(then) {
    var drawer = window.bootstrap && window.bootstrap.Offcanvas.getInstance(answerCard);
    if (drawer && answerCard.classList.contains("show")) {
      answerCard.addEventListener("hidden.bs.offcanvas", function once() {
        answerCard.removeEventListener("hidden.bs.offcanvas", once);
        then();
      });
      drawer.hide();
    } else {
      then();
    }
  }
  gridLinks.forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var index = Number(link.dataset.index);
      closeAnswerCard(function () { goTo(index, { focus: true }); });
    });
  });

  var saved = indexFromHash();
  if (saved === null) {
    var remembered = Number(load("session", positionKey));
    saved = remembered >= 0 && remembered < cards.length ? remembered : 0;
  }
  current = saved;
  setMode(mode, false);
  if (indexFromHash() !== null) { goTo(current, { focus: false }); }
  window.addEventListener("hashchange", function () {
    var index = indexFromHash();
    if (index !== null && index !== current) { goTo(index, { focus: true }); }
  });
  cards.forEach(refreshCardState);
  updateCounts();

  // ------------------------------------------------------------ countdown and time warnings

  var untimed = root.dataset.untimed === "1";
  var timeLimit = Number(root.dataset.timeLimit) || 0;
  var timerBar = document.getElementById("timer-bar");
  var warning = document.getElementById("time-warning");
  var warningText = document.getElementById("time-warning-text");
  var announcer = document.getElementById("time-announcer");
  var WARNINGS = [
    { seconds: 300, level: "warn-5", text: "剩余不足 5 分钟，请抓紧作答，交卷前可在答题卡中检查未答题目。" },
    { seconds: 60, level: "warn-1", text: "剩余不足 1 分钟！时间到将自动交卷，已保存的答案都会计分。" }
  ];
  var announcedKey = "anquan.attempt." + root.dataset.attemptId + ".announced";
  var announced = (load("session", announcedKey) || "").split(",");

  function checkWarnings(left) {
    var active = null;
    WARNINGS.forEach(function (w) {
      // A quiz shorter than the threshold does not warn about it from its first second.
      if (timeLimit > w.seconds && left <= w.seconds) { active = w; }
    });
    timerBar.classList.toggle("warn-5", !!active && active.level === "warn-5");
    timerBar.classList.toggle("warn-1", !!active && active.level === "warn-1");
    if (!active) { warning.hidden = true; return; }
    warning.hidden = false;
    warning.className = "time-warning " + active.level;
    warningText.textContent = active.text;
    if (announced.indexOf(active.level) < 0) {
      announced.push(active.level);
      keep("session", announcedKey, announced.join(","));
      announcer.textContent = active.text;
    }
  }

  function tick() {
    if (untimed) { return; }
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    countdown.textContent = (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    countdown.classList.toggle("low", left <= 60);
    checkWarnings(left);
    if (left <= 0) { setStatus("答题时间已到，正在交卷…", "error"); goToResult(); return; }
    setTimeout(tick, 500);
  }
  tick();

  // After a phone wakes up or a tab comes back, ask the server how much time is left.
  function resync() {
    fetch(apiBase, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { return null; }
      return r.json();
    }).then(function (body) {
      if (!body) { return; }
      if (body.status !== "in_progress") { goToResult(); return; }
      syncDeadline(body.seconds_left);
    }).catch(function () {});
  }

  // Reloading or leaving through a link is not "switching away": only count real hides.
  var unloading = false;
  window.addEventListener("beforeunload", function () { unloading = true; });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      if (unloading || finished) { return; }
      api("POST", apiBase + "/leave").catch(function () {});
    } else {
      resync();
    }
  });

  // ------------------------------------------------------------ 交卷

  var modal = document.getElementById("submitModal");
  function fillList(containerId, indexes) {
    var container = document.getElementById(containerId);
    var list = container.querySelector("[data-list]");
    list.textContent = "";
    indexes.forEach(function (index) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#q-" + (index + 1);
      link.className = "card-num" + (isAnswered(cards[index]) ? " is-answered" : "") + (isMarked(cards[index]) ? " is-marked" : "");
      link.dataset.index = index;
      link.textContent = String(index + 1);
      link.setAttribute("aria-label", "第 " + (index + 1) + " 题");
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var instance = window.bootstrap && window.bootstrap.Modal.getInstance(modal);
        modal.addEventListener("hidden.bs.modal", function once() {
          modal.removeEventListener("hidden.bs.modal", once);
          goTo(index, { focus: true });
        });
        if (instance) { instance.hide(); }
      });
      item.appendChild(link);
      list.appendChild(item);
    });
    container.querySelector("[data-count]").textContent = indexes.length;
    container.hidden = indexes.length === 0;
  }

  modal.addEventListener("show.bs.modal", function () {
    var unanswered = [], marked = [];
    cards.forEach(function (card, i) {
      if (!isAnswered(card)) { unanswered.push(i); }
      if (isMarked(card)) { marked.push(i); }
    });
    var text = unanswered.length > 0
      ? "还有 " + unanswered.length + " 题未作答。交卷后不能再修改答案，确定交卷吗？"
      : "全部题目已作答。交卷后不能再修改答案，确定交卷吗？";
    if (marked.length > 0) { text += "另有 " + marked.length + " 题标记了待检查。"; }
    if (Object.keys(pending).length > 0) { text += "（有答案仍在保存中，请稍候再交卷）"; }
    document.getElementById("submit-summary").textContent = text;
    fillList("submit-unanswered", unanswered);
    fillList("submit-marked", marked);
  });
  // Submit only after every answer has reached the server (waits up to 10 s for slow saves).
  var submitForm = document.getElementById("submit-form");
  submitForm.addEventListener("submit", function (event) {
    if (Object.keys(pending).length === 0) { finished = true; return; }
    event.preventDefault();
    document.getElementById("confirm-submit").disabled = true;
    document.getElementById("submit-summary").textContent = "正在保存最后的答案，请稍候…";
    var waited = 0;
    (function waitForSaves() {
      if (Object.keys(pending).length === 0 || waited >= 10000) { finished = true; submitForm.submit(); return; }
      waited += 200;
      setTimeout(waitForSaves, 200);
    })();
  });
})();
