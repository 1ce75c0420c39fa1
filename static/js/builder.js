// The questionnaire builder's helpers: drag-and-drop reordering, up/down without a page load,
// and showing only the settings of the chosen question type. Without this file every action
// still works through plain forms; the server decides everything.
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  function itemsOf(list) {
    return Array.prototype.filter.call(list.children, function (el) {
      return el.classList.contains("builder-item");
    });
  }

  function codesOf(list) {
    return itemsOf(list).map(function (el) { return el.dataset.code; });
  }

  // The words come from the page (gettext), so this file needs no translations of its own.
  function announce() {
    var status = document.getElementById("reorder-status");
    if (status) status.textContent = status.dataset.saved;
  }

  // Up/down buttons match the new order: the first cannot go up, the last cannot go down.
  function refreshButtons(list) {
    var items = itemsOf(list);
    items.forEach(function (item, i) {
      var form = item.querySelector(":scope > .builder-move, :scope > div > .builder-move");
      if (!form) form = item.querySelector(".builder-move");
      if (!form) return;
      var up = form.querySelector('[data-move="up"]');
      var down = form.querySelector('[data-move="down"]');
      if (up) up.disabled = i === 0;
      if (down) down.disabled = i === items.length - 1;
    });
    var empty = list.querySelector(":scope > .builder-empty");
    if (empty) empty.hidden = items.length > 0;
  }

  function saveOrder(list) {
    var body = new URLSearchParams();
    codesOf(list).forEach(function (code) { body.append("codes", code); });
    return fetch(list.dataset.reorderUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRFToken": csrfToken()
      },
      body: body.toString()
    }).then(function (response) {
      if (!response.ok) throw new Error("refused");
      announce();
    }).catch(function () {
      // The server refused or could not be reached: show the order it actually holds.
      window.location.reload();
    });
  }

  var dragged = null;
  var origin = null;

  function itemAfter(list, y) {
    var after = null;
    var best = Number.NEGATIVE_INFINITY;
    itemsOf(list).forEach(function (item) {
      if (item === dragged) return;
      var box = item.getBoundingClientRect();
      var offset = y - box.top - box.height / 2;
      if (offset < 0 && offset > best) { best = offset; after = item; }
    });
    return after;
  }

  function setUpList(list) {
    list.addEventListener("dragover", function (event) {
      if (!dragged || dragged.parentElement.dataset.kind !== list.dataset.kind) return;
      // Questions may move to another section; options, rows and sections stay in their list.
      if (list !== origin && list.dataset.kind !== "question") return;
      event.preventDefault();
      var after = itemAfter(list, event.clientY);
      if (after) list.insertBefore(dragged, after);
      else {
        var empty = list.querySelector(":scope > .builder-empty");
        list.insertBefore(dragged, empty);
      }
    });
    list.addEventListener("drop", function (event) {
      if (!dragged) return;
      event.preventDefault();
    });
    itemsOf(list).forEach(function (item) {
      var handle = item.querySelector("[data-drag-handle]");
      if (!handle || handle.closest(".builder-item") !== item) return;
      // Only the handle starts a drag, so text in the item can still be selected.
      handle.addEventListener("mousedown", function () { item.draggable = true; });
      handle.addEventListener("touchstart", function () { item.draggable = true; }, { passive: true });
      item.addEventListener("dragstart", function (event) {
        if (event.target !== item) return;
        dragged = item;
        origin = item.parentElement;
        item.classList.add("builder-dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", item.dataset.code);
        event.stopPropagation();
      });
      item.addEventListener("dragend", function (event) {
        if (event.target !== item) return;
        item.draggable = false;
        item.classList.remove("builder-dragging");
        var target = item.parentElement;
        var from = origin;
        dragged = null;
        origin = null;
        refreshButtons(target);
        if (from !== target) refreshButtons(from);
        saveOrder(target);
      });
    });
  }

  function setUpMoveButtons(form) {
    var item = form.closest(".builder-item");
    var list = item && item.parentElement;
    if (!list || !list.dataset.reorderUrl) return;
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (!button) return;
      event.preventDefault();
      var items = itemsOf(list);
      var i = items.indexOf(item);
      if (button.value === "up" && i > 0) list.insertBefore(item, items[i - 1]);
      else if (button.value === "down" && i < items.length - 1) list.insertBefore(items[i + 1], item);
      else return;
      refreshButtons(list);
      (button.disabled ? form.querySelector("button:not([disabled])") : button).focus();
      saveOrder(list);
    });
  }

  // In-place editing: an item's Edit link opens its edit form inside the list instead of on a
  // page of its own. The form is the edit page's own, so it posts (and fails) exactly as there.
  document.querySelectorAll("a[data-inline-edit]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var item = link.closest(".builder-item");
      if (!item || !window.DOMParser) return;
      event.preventDefault();
      document.querySelectorAll("form[data-inline]").forEach(function (open) { open.remove(); });
      fetch(link.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (!response.ok) throw new Error("unavailable");
          return response.text();
        })
        .then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          var form = page.querySelector(link.dataset.inlineEdit);
          if (!form) throw new Error("no form");
          form = document.importNode(form, true);
          form.removeAttribute("id");
          form.setAttribute("action", link.href);
          form.dataset.inline = "";
          form.classList.add("w-100", "border-top", "pt-2", "mt-1");
          (item.querySelector("[data-inline-host]") || item).appendChild(form);
          var first = form.querySelector("input:not([type=hidden]), textarea, select");
          if (first) first.focus();
        })
        .catch(function () { window.location.href = link.href; });
    });
  });

  document.querySelectorAll(".builder-list[data-reorder-url]").forEach(setUpList);
  document.querySelectorAll("form.builder-move").forEach(setUpMoveButtons);

  // A question's page shows the settings of its type only.
  document.querySelectorAll("select[data-question-type]").forEach(function (select) {
    var form = select.form;
    function apply() {
      form.querySelectorAll("[data-setting-group]").forEach(function (group) {
        var types = (group.dataset.types || "").split(" ");
        group.hidden = select.value !== "" && types.indexOf(select.value) === -1;
      });
    }
    select.addEventListener("change", apply);
    apply();
  });

  // A display condition names options of one question: ticking one clears the other questions'.
  document.querySelectorAll("form[data-condition-form]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      var box = event.target;
      if (box.name !== "options" || !box.checked) return;
      var question = box.value.split(":")[0];
      form.querySelectorAll('input[name="options"]:checked').forEach(function (other) {
        if (other.value.split(":")[0] !== question) other.checked = false;
      });
    });
  });
})();
