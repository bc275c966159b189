// The "Filter" control of the document list (templates/documents/document_list.html). On a narrow
// screen the filters are folded away so that the results come first. Without JavaScript the "Filter"
// link shows them as the page's :target; this script turns it into a disclosure button (aria-expanded)
// that opens and closes them in place, moves the focus to them when opened and back to the button
// when Escape closes them. On a wide screen the filters are always shown and the button is hidden.
(function () {
  "use strict";

  var link = document.querySelector("[data-filter-toggle]");
  var panel = link && document.getElementById(link.hash.slice(1));
  if (!panel) {
    return;
  }
  var heading = panel.querySelector("h2");
  var button = document.createElement("button");
  button.type = "button";
  button.className = link.className;
  button.textContent = link.textContent;
  button.setAttribute("aria-controls", panel.id);
  heading.tabIndex = -1; // a target for the focus, not a stop in the tab order

  function show(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    panel.classList.toggle("is-open", open);
  }

  // From now on the button decides, not the address's #filters (site.css: [data-toggled]).
  panel.setAttribute("data-toggled", "");
  show(window.location.hash === "#" + panel.id);
  link.replaceWith(button);

  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") !== "true";
    show(open);
    if (open) {
      heading.focus();
    }
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.offsetParent !== null && panel.classList.contains("is-open")) {
      show(false);
      button.focus();
    }
  });
})();
