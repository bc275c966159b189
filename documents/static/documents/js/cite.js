// The "Copy citation" button of the document page (templates/includes/cite_section.html).
// It is shown only once this script runs, copies the citation's text, and says "Copied" in a live
// region so that screen reader users hear it. No inline script or handler: the page's CSP forbids them.
(function () {
  "use strict";

  function selectContents(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copy(text, element) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Older browsers and plain-HTTP pages: copy the selected paragraph.
    selectContents(element);
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    return copied ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  document.querySelectorAll("[data-cite-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-cite-copy"));
    var status = button.parentNode.querySelector("[data-cite-status]");
    if (!source || !status) {
      return;
    }
    var timer = null;

    function announce(message) {
      // Emptied first, so that a second "Copied" is announced again.
      window.clearTimeout(timer);
      status.textContent = "";
      window.setTimeout(function () {
        status.textContent = message;
        timer = window.setTimeout(function () {
          status.textContent = "";
        }, 4000);
      }, 50);
    }

    button.addEventListener("click", function () {
      var text = source.textContent.replace(/\s+/g, " ").trim();
      copy(text, source).then(
        function () {
          announce("Copied");
        },
        function () {
          selectContents(source);
          announce("Selected: press Ctrl+C or ⌘C to copy");
        }
      );
    });
    button.hidden = false;
  });
})();
