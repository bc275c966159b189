/* Reorder a document's scans in the admin by dragging their rows (or with the arrow keys on a row's
   handle). The page order is the Order number of each row: this script only rewrites those numbers,
   so without it curators type the numbers themselves and nothing else changes. */
"use strict";
{
  const PREFIX = "scans";

  function orderInput(row) {
    return row.querySelector(`input[name^="${PREFIX}-"][name$="-order"]`);
  }

  // A row is a page if it holds a saved scan or a chosen file; empty extra rows keep their number,
  // so that Django still sees them as unchanged and skips them.
  function isPage(row) {
    const id = row.querySelector(`input[name^="${PREFIX}-"][name$="-id"]`);
    const file = row.querySelector('input[type="file"]');
    return Boolean((id && id.value) || (file && file.files && file.files.length));
  }

  function renumber(tbody) {
    let number = 1;
    for (const row of tbody.querySelectorAll("tr.form-row:not(.empty-form)")) {
      const input = orderInput(row);
      if (input && isPage(row)) {
        input.value = number++;
      }
    }
  }

  function rowAfter(tbody, y, dragged) {
    const rows = [...tbody.querySelectorAll("tr.form-row:not(.empty-form)")].filter((row) => row !== dragged);
    return rows.find((row) => {
      const box = row.getBoundingClientRect();
      return y < box.top + box.height / 2;
    });
  }

  function enhance(row, tbody) {
    const cell = row.querySelector("td.original");
    if (!cell || row.querySelector(".scan-drag-handle") || !orderInput(row)) {
      return;
    }
    const handle = document.createElement("button");
    handle.type = "button";
    handle.className = "scan-drag-handle";
    handle.textContent = "⇅";
    handle.title = "Drag to move this page, or use the up and down arrow keys";
    handle.setAttribute("aria-label", "Move this page (arrow keys)");
    handle.style.cssText = "cursor:grab;border:0;background:none;font-size:1.2em;padding:0 4px";
    // Only the handle starts a drag, so that text in the row's fields can still be selected.
    handle.addEventListener("mousedown", () => {
      row.draggable = true;
    });
    handle.addEventListener("mouseup", () => {
      row.draggable = false;
    });
    row.addEventListener("dragstart", (event) => {
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", "");
      tbody.dataset.dragging = row.id;
      row.style.opacity = "0.5";
    });
    row.addEventListener("dragend", () => {
      row.draggable = false;
      row.style.opacity = "";
      delete tbody.dataset.dragging;
      renumber(tbody);
    });
    handle.addEventListener("keydown", (event) => {
      const sibling = event.key === "ArrowUp" ? row.previousElementSibling : event.key === "ArrowDown" ? row.nextElementSibling : null;
      if (!sibling || !sibling.matches("tr.form-row:not(.empty-form)")) {
        return;
      }
      event.preventDefault();
      if (event.key === "ArrowUp") {
        sibling.before(row);
      } else {
        sibling.after(row);
      }
      renumber(tbody);
      handle.focus();
    });
    cell.prepend(handle);
  }

  function setUp() {
    const group = document.getElementById(`${PREFIX}-group`);
    const tbody = group && group.querySelector("tbody");
    if (!tbody) {
      return;
    }
    tbody.querySelectorAll("tr.form-row:not(.empty-form)").forEach((row) => enhance(row, tbody));
    tbody.addEventListener("dragover", (event) => {
      const dragged = tbody.dataset.dragging && document.getElementById(tbody.dataset.dragging);
      if (!dragged) {
        return;
      }
      event.preventDefault();
      const after = rowAfter(tbody, event.clientY, dragged);
      const emptyForm = tbody.querySelector("tr.empty-form");
      tbody.insertBefore(dragged, after || emptyForm || null);
    });
    tbody.addEventListener("drop", (event) => event.preventDefault());
    document.addEventListener("formset:added", (event) => {
      if (event.detail && event.detail.formsetName === PREFIX) {
        enhance(event.target, tbody);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
}
