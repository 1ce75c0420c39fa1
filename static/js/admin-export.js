// django-import-export binds its "select all" box with an inline onchange attribute, which our
// content security policy (no inline script) blocks; bind the same handler from here instead.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input.select-toggle").forEach(function (box) {
    box.addEventListener("change", function (event) {
      if (typeof window.onSelectToggleChange === "function") window.onSelectToggleChange(event);
    });
  });
});
