/* 学习资料: progress reports for the server, which decides what counts (quiz/learning/services.py).
   Reading items send a heartbeat every `interval` seconds while the page is visible; a video
   reports its played ranges every 5 s while playing, and on pause and end. */
(function () {
  "use strict";
  document.querySelectorAll(".progress[data-percent]").forEach(function (bar) {
    bar.firstElementChild.style.width = bar.getAttribute("data-percent") + "%";
  });
  var root = document.getElementById("learning-item");
  if (!root) { return; }
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var text = document.getElementById("item-progress-text");
  var kind = root.getAttribute("data-kind");
  var interval = Math.max(1, parseInt(root.getAttribute("data-interval"), 10) || 15) * 1000;
  var share = parseFloat(root.getAttribute("data-share")) || 0.9;

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (response) { return response.ok ? response.json() : null; })
      .catch(function () { return null; });
  }

  function show(progress) {
    if (!progress) { return; }
    root.setAttribute("data-done", progress.completed ? "1" : "0");
    root.setAttribute("data-spent", progress.seconds_spent);
    root.setAttribute("data-watched", progress.watched_seconds);
    var message;
    if (progress.completed) {
      message = "已完成";
      if (progress.course_completed) { message += "，本课程已记入 " + progress.hours_credited + " 学时"; }
    } else if (kind === "video") {
      message = "已观看 " + Math.round(progress.watched_seconds) + " 秒，需看完 " + Math.round(share * 100) + "%";
    } else {
      message = "已学习 " + progress.seconds_spent + " 秒 / 至少 " + progress.required_seconds + " 秒";
    }
    text.textContent = message;
  }

  if (kind !== "video") {
    var url = root.getAttribute("data-heartbeat-url");
    var timer = null;
    var beat = function () { post(url, {}).then(show); };
    var start = function () {
      if (timer !== null || document.visibilityState !== "visible") { return; }
      post(url, { resume: true }).then(show);
      timer = window.setInterval(function () {
        if (document.visibilityState === "visible") { beat(); }
      }, interval);
    };
    var stop = function () {
      if (timer !== null) { window.clearInterval(timer); timer = null; }
    };
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { start(); } else { stop(); }
    });
    start();
    return;
  }

  var video = document.getElementById("course-video");
  if (!video) { return; }
  var videoUrl = root.getAttribute("data-video-url");
  var sending = false;
  var again = false;
  function played() {
    var ranges = [];
    for (var i = 0; i < video.played.length; i += 1) {
      ranges.push([video.played.start(i), video.played.end(i)]);
    }
    return ranges;
  }
  function report() {
    if (sending) { again = true; return; }  // one at a time; the latest state follows
    sending = true;
    post(videoUrl, { played: played(), position: video.currentTime || 0 }).then(function (progress) {
      sending = false;
      show(progress);
      if (again) { again = false; report(); }
    });
  }
  report();  // the first report starts the server's clock
  var lastReport = Date.now();
  video.addEventListener("timeupdate", function () {
    if (!video.paused && Date.now() - lastReport >= 5000) { lastReport = Date.now(); report(); }
  });
  video.addEventListener("pause", function () { lastReport = Date.now(); report(); });
  video.addEventListener("ended", function () { lastReport = Date.now(); report(); });
})();
