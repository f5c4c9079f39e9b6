/* Trainer and admin pages: progressive enhancements only; every page works without this file. */
(function () {
  "use strict";

  // Long form posts (a bulk import): the button shows that the work is under way and cannot be sent
  // twice (app.js, loaded first, has already asked any data-confirm question).
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) return;
      var button = form.querySelector("[type=submit]");
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      var status = form.querySelector("[data-busy-status]");
      if (status) { status.textContent = form.dataset.busy; status.hidden = false; }
      if (button) { window.setTimeout(function () { button.disabled = true; }, 0); }
    });
  });

  // Question form: show the option inputs or the true/false answer for the chosen type.
  var questionForm = document.getElementById("question-form");
  if (questionForm) {
    var typeSelect = questionForm.querySelector("select[name='type']");
    var applyType = function () {
      questionForm.classList.remove("type-single", "type-multiple", "type-true_false");
      questionForm.classList.add("type-" + typeSelect.value);
    };
    typeSelect.addEventListener("change", applyType);
    applyType();
  }

  var quizForm = document.getElementById("quiz-form");
  if (!quizForm) return;
  var frozen = quizForm.classList.contains("is-frozen");
  var tbody = document.querySelector("#rules-table tbody");

  function renumber() {
    tbody.querySelectorAll("tr.rule-row").forEach(function (row, index) {
      row.dataset.index = index;
      row.querySelector(".rule-number").textContent = index + 1;
      row.querySelectorAll("[name^='rules-']").forEach(function (input) {
        var rest = input.name.replace(/^rules-\d+-/, "");
        input.name = "rules-" + index + "-" + rest;
        input.id = input.name;
        if (input.dataset.labelName) { input.setAttribute("aria-label", "第" + (index + 1) + "条规则 " + input.dataset.labelName); }
      });
      var remove = row.querySelector(".remove-rule");
      if (remove) { remove.setAttribute("aria-label", "删除第" + (index + 1) + "条规则"); }
    });
  }

  var addButton = document.getElementById("add-rule");
  if (addButton) {
    addButton.addEventListener("click", function () {
      var rows = tbody.querySelectorAll("tr.rule-row");
      var copy = rows[rows.length - 1].cloneNode(true);
      copy.querySelectorAll("input").forEach(function (input) {
        input.value = "";
        input.classList.remove("is-invalid");
        input.removeAttribute("aria-invalid");
        input.removeAttribute("aria-describedby");
      });
      copy.querySelectorAll("select").forEach(function (select) { select.selectedIndex = 0; });
      copy.querySelectorAll("[id$='-error'], .invalid-feedback").forEach(function (node) { node.remove(); });
      copy.querySelector(".rule-available").textContent = "";
      tbody.appendChild(copy);
      renumber();
      scheduleCheck();
    });
  }

  tbody.addEventListener("click", function (event) {
    if (!event.target.classList.contains("remove-rule")) return;
    var rows = tbody.querySelectorAll("tr.rule-row");
    var row = event.target.closest("tr");
    if (rows.length > 1) {
      row.remove();
    } else {
      row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
    }
    renumber();
    scheduleCheck();
  });

  // Live totals: ask the server what the current rules would give.
  var timer = null;
  function scheduleCheck() {
    if (frozen) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(runCheck, 350);
  }

  function runCheck() {
    var params = new URLSearchParams(new FormData(quizForm));
    params.delete("csrf_token");
    fetch(quizForm.dataset.checkUrl + "?" + params.toString(), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) showCheck(data); })
      .catch(function () { /* totals are a convenience; saving checks again */ });
  }

  function showCheck(data) {
    document.getElementById("total-questions").textContent = data.question_count;
    document.getElementById("total-score").textContent = Math.round(data.max_score * 100) / 100;
    var status = document.getElementById("rules-status");
    status.textContent = data.ok ? "题库可以满足这些规则" : data.problems.join("；");
    status.className = "small " + (data.ok ? "text-success" : "text-danger");
    var randomRules = data.rules.filter(function (rule) { return !rule.fixed; });
    var filledRows = Array.prototype.filter.call(tbody.querySelectorAll("tr.rule-row"), function (row) {
      return row.querySelector("input[name$='-count']").value.trim() !== "";
    });
    tbody.querySelectorAll(".rule-available").forEach(function (cell) { cell.textContent = ""; cell.classList.remove("short"); });
    filledRows.forEach(function (row, index) {
      var rule = randomRules[index];
      if (!rule) return;
      var cell = row.querySelector(".rule-available");
      cell.textContent = "可用 " + rule.available;
      cell.classList.toggle("short", rule.available < rule.needed);
    });
  }

  quizForm.addEventListener("input", scheduleCheck);
  quizForm.addEventListener("change", scheduleCheck);
  scheduleCheck();

  // Fixed paper: find questions and append their ids to the list.
  var pickerInput = document.getElementById("picker-search");
  var pickerResults = document.getElementById("picker-results");
  var fixedField = quizForm.querySelector("textarea[name='fixed_questions']");

  function search() {
    var query = pickerInput.value.trim();
    if (!query) return;
    fetch(quizForm.dataset.searchUrl + "?active=1&q=" + encodeURIComponent(query), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { questions: [] }; })
      .then(function (data) {
        pickerResults.textContent = "";
        if (!data.questions.length) {
          var empty = document.createElement("li");
          empty.className = "list-group-item text-muted";
          empty.textContent = "没有找到启用的题目";
          pickerResults.appendChild(empty);
        }
        data.questions.forEach(function (question) {
          var item = document.createElement("li");
          item.className = "list-group-item d-flex justify-content-between align-items-center gap-2";
          var text = document.createElement("span");
          text.textContent = "#" + question.id + " [" + question.type + "] " + question.stem.slice(0, 60) + "（" + question.points + "分）";
          var button = document.createElement("button");
          button.type = "button";
          button.className = "btn btn-sm btn-outline-primary text-nowrap";
          button.textContent = "加入";
          button.addEventListener("click", function () {
            var current = fixedField.value.trim();
            var ids = current ? current.split(/[\s,，、;；]+/) : [];
            if (ids.indexOf(String(question.id)) === -1) {
              fixedField.value = (current ? current + ", " : "") + question.id;
              scheduleCheck();
            }
            button.disabled = true;
            button.textContent = "已加入";
          });
          item.appendChild(text);
          item.appendChild(button);
          pickerResults.appendChild(item);
        });
      });
  }

  if (pickerInput) {
    document.getElementById("picker-go").addEventListener("click", search);
    pickerInput.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); search(); }
    });
  }
})();
