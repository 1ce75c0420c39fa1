// Helps the respondent on the page; the server decides. Without this file every page still works.
(function () {
  "use strict";
  var form = document.getElementById("survey-page");
  if (!form) return;

  function inputsOf(code) {
    return Array.prototype.slice.call(form.querySelectorAll('[name="' + code + '"]'));
  }

  function chosen(code) {
    return inputsOf(code).filter(function (el) {
      return el.tagName === "SELECT" ? el.value !== "" : el.checked;
    }).map(function (el) { return el.value; });
  }

  // "Not more than N": further boxes are disabled at the limit and enabled again below it.
  // Reaching the limit by a change (not on load) is said aloud, since Tab then skips the rest.
  function applyLimit(fieldset, announce) {
    var max = parseInt(fieldset.dataset.maxChoices, 10);
    var boxes = fieldset.querySelectorAll('input[type="checkbox"]');
    var count = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
    Array.prototype.forEach.call(boxes, function (b) {
      b.disabled = !b.checked && count >= max;
    });
    var live = fieldset.querySelector("[data-limit-live]");
    var note = fieldset.querySelector("[data-limit-note]");
    if (live && note && announce) live.textContent = count >= max ? note.textContent : "";
  }

  // An "other" text box is shown while its option is chosen; a hidden box is disabled, so its
  // text is kept on the page but not sent.
  function applyOther(fieldset) {
    var box = fieldset.querySelector("[data-other-box]");
    if (!box) return;
    var select = fieldset.querySelector("select");
    var on;
    if (select) {
      on = select.value === fieldset.dataset.otherCode;
    } else {
      var other = fieldset.querySelector("input[data-other]");
      on = !!(other && other.checked);
    }
    box.hidden = !on;
    box.querySelector("input").disabled = !on;
  }

  // Questions shown only for some earlier answers on the same page.
  function applyConditions() {
    form.querySelectorAll("[data-show-if-question]").forEach(function (fieldset) {
      var code = fieldset.dataset.showIfQuestion;
      if (!inputsOf(code).length) return; // decided on an earlier page, by the server
      var wanted = fieldset.dataset.showIfOptions.split(" ");
      var show = chosen(code).some(function (v) { return wanted.indexOf(v) >= 0; });
      fieldset.hidden = !show;
      fieldset.querySelectorAll("input, select, textarea").forEach(function (el) {
        if (!el.closest("[data-other-box]")) el.disabled = !show;
      });
      if (show) { applyOther(fieldset); if (fieldset.dataset.maxChoices) applyLimit(fieldset); }
    });
  }

  form.addEventListener("change", function (event) {
    var input = event.target;
    var fieldset = input.closest(".question");
    if (!fieldset) return;
    if (input.type === "checkbox" && input.checked) {
      // An exclusive answer ("I think there are no problems") stands alone.
      var boxes = fieldset.querySelectorAll('input[type="checkbox"]');
      boxes.forEach(function (b) {
        if (b !== input && (input.hasAttribute("data-exclusive") || b.hasAttribute("data-exclusive"))) {
          b.checked = false;
        }
      });
    }
    if (fieldset.dataset.maxChoices) applyLimit(fieldset, true);
    applyOther(fieldset);
    applyConditions();
  });

  form.querySelectorAll(".question").forEach(function (fieldset) {
    if (fieldset.dataset.maxChoices) applyLimit(fieldset);
    applyOther(fieldset);
  });
  applyConditions();

  // A second click on "submit" while the first is on its way sends nothing more.
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (form.dataset.sent && button && button.hasAttribute("data-once")) {
      event.preventDefault();
      return;
    }
    if (button && button.hasAttribute("data-once")) form.dataset.sent = "1";
  });

  // Focus goes where a screen reader user needs to start: the errors when the page was refused,
  // otherwise the new page's heading (not the top of the document, as a plain load would).
  var summary = document.getElementById("error-summary");
  var heading = document.getElementById("page-heading");
  if (summary) summary.focus();
  else if (heading) heading.focus();

  var resume = document.getElementById("resume-link");
  if (resume) resume.addEventListener("focus", function () { resume.select(); });
})();
