/* Accessible names for admin controls that Django and Select2 leave unnamed (tests/browser/
   test_accessibility.py): the cells of tabular inlines, which have column headings but no <label>;
   Select2's boxes, which are named by their current value (empty in a blank row); and file inputs
   that Django 6 names only by a fieldset's legend. Runs on load and again whenever rows or boxes
   are added. */
(function () {
  "use strict";

  function text(element) {
    return element ? element.textContent.replace(/[:?*]\s*$/, "").replace(/\s+/g, " ").trim() : "";
  }

  function ownLabel(control) {
    if (control.getAttribute("aria-label") || control.getAttribute("aria-labelledby")) return true;
    return Boolean(control.id && document.querySelector('label[for="' + CSS.escape(control.id) + '"]'));
  }

  function nameInlineCells(root) {
    root.querySelectorAll(".tabular table").forEach(function (table) {
      const headings = {};
      table.querySelectorAll("thead th").forEach(function (th) {
        th.classList.forEach(function (name) {
          if (name.startsWith("column-")) headings[name.slice(7)] = text(th);
        });
      });
      table.querySelectorAll("tbody tr").forEach(function (row, index) {
        row.querySelectorAll("td").forEach(function (cell) {
          let heading = "";
          cell.classList.forEach(function (name) {
            if (name.startsWith("field-")) heading = headings[name.slice(6)] || "";
          });
          if (cell.classList.contains("delete")) heading = "Delete";
          if (!heading) return;
          cell.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (control) {
            if (!ownLabel(control)) control.setAttribute("aria-label", heading + ", row " + (index + 1));
          });
        });
      });
    });
  }

  function nameFileInputs(root) {
    root.querySelectorAll("input[type=file]").forEach(function (input) {
      if (ownLabel(input)) return;
      const fieldset = input.closest("fieldset");
      const legend = fieldset && fieldset.querySelector("legend");
      if (legend) input.setAttribute("aria-label", text(legend));
    });
  }

  function nameSelect2Boxes(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      const box = select.nextElementSibling;
      if (!box || !box.classList.contains("select2")) return;
      let name = select.getAttribute("aria-label");
      if (!name && select.id) name = text(document.querySelector('label[for="' + CSS.escape(select.id) + '"]'));
      if (!name) return;
      const controls = ".select2-selection, .select2-selection--single .select2-selection__rendered, .select2-search__field";
      box.querySelectorAll(controls).forEach(function (control) {
        if (control.getAttribute("aria-label") !== name) control.setAttribute("aria-label", name);
      });
    });
  }

  function nameAll() {
    nameInlineCells(document);
    nameFileInputs(document);
    nameSelect2Boxes(document);
  }

  let pending = false;
  function soon() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      nameAll();
    });
  }

  window.addEventListener("load", function () {
    nameAll();
    // Select2 redraws its boxes as values are chosen, and the admin adds inline rows.
    new MutationObserver(soon).observe(document.body, { childList: true, subtree: true });
  });
})();
