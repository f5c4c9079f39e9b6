/*
 * The timed attempt page.
 * - Every choice is saved at once through the JSON API (session cookie + CSRF header);
 *   a failed save is retried until it succeeds or the server says time is up.
 * - The countdown shows the server's deadline: it is re-synced from every save
 *   response, so a sleeping phone or a throttled tab cannot stretch the time.
 * - Leaving the page (tab or app switch) is counted as evidence for trainers.
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
  var deadline = Date.now() + Number(root.dataset.secondsLeft) * 1000;
  var pending = {};       // question id -> latest selection waiting to be saved
  var inFlight = {};      // question id -> true while a request is running
  var finished = false;

  function setStatus(text, kind) {
    saveStatus.textContent = text;
    saveStatus.className = "save-status " + (kind || "");
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
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      keepalive: method === "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfMeta.getAttribute("content") },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
  }

  function selectionOf(fieldset) {
    var ids = [];
    fieldset.querySelectorAll("input:checked").forEach(function (input) { ids.push(Number(input.value)); });
    return ids.sort(function (a, b) { return a - b; });
  }

  function updateAnsweredCount() {
    var n = 0;
    document.querySelectorAll(".question-card").forEach(function (fs) { if (fs.querySelector("input:checked")) { n += 1; } });
    answeredCount.textContent = n;
    return n;
  }

  function questionState(questionId, text, kind) {
    var fs = document.querySelector('.question-card[data-question-id="' + questionId + '"]');
    var el = fs && fs.querySelector(".question-save-state");
    if (el) { el.textContent = text; el.className = "small question-save-state " + (kind || "text-muted"); }
  }

  function save(questionId, attemptNo) {
    if (inFlight[questionId] || finished) { return; }
    var selected = pending[questionId];
    if (selected === undefined) { return; }
    inFlight[questionId] = true;
    setStatus("正在保存…", "pending");
    api("PUT", apiBase + "/answers/" + questionId, { selected: selected })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) { return { response: response, body: body }; });
      })
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
        questionState(questionId, (res.body && res.body.message) || "保存失败", "error");
        if (res.response.status >= 500 || res.response.status === 429) { retry(questionId, attemptNo); }
      })
      .catch(function () {
        inFlight[questionId] = false;
        retry(questionId, attemptNo);
      });
  }

  function retry(questionId, attemptNo) {
    var delay = Math.min(1000 * Math.pow(2, attemptNo || 0), 15000);
    setStatus("网络异常，答案未保存，正在重试…", "error");
    questionState(questionId, "未保存，正在重试", "error");
    setTimeout(function () { save(questionId, (attemptNo || 0) + 1); }, delay);
  }

  document.querySelectorAll(".question-card").forEach(function (fieldset) {
    fieldset.addEventListener("change", function () {
      var questionId = fieldset.dataset.questionId;
      pending[questionId] = selectionOf(fieldset);
      updateAnsweredCount();
      save(questionId, 0);
    });
  });

  // Retry everything pending as soon as the network is back.
  window.addEventListener("online", function () { Object.keys(pending).forEach(function (q) { save(q, 0); }); });

  var untimed = root.dataset.untimed === "1";

  function tick() {
    if (untimed) { return; }
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    countdown.textContent = (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    countdown.classList.toggle("low", left <= 60);
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

  var modal = document.getElementById("submitModal");
  modal.addEventListener("show.bs.modal", function () {
    var total = document.querySelectorAll(".question-card").length;
    var unanswered = total - updateAnsweredCount();
    var text = unanswered > 0 ? "还有 " + unanswered + " 题未作答。交卷后不能再修改答案，确定交卷吗？" : "全部题目已作答。交卷后不能再修改答案，确定交卷吗？";
    if (Object.keys(pending).length > 0) { text += "（有答案仍在保存中，请稍候再交卷）"; }
    document.getElementById("submit-summary").textContent = text;
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
