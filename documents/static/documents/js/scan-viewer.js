/* A small viewer for a document's scans, with no dependencies. Without this script the page shows a list
   of thumbnails, each a link to its reading-size image; with it, the list becomes a strip of thumbnails
   under one large page, turned with the Previous and Next buttons or, while the viewer has focus, the
   left and right arrow keys (Home and End for the first and last page). Everything it needs is in the
   list's data attributes (templates/documents/document_detail.html). */
"use strict";
{
  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function pageButton(arrow, text, arrowFirst) {
    const button = element("button", "scan-viewer-button");
    button.type = "button";
    const glyph = element("span", "", arrow);
    glyph.setAttribute("aria-hidden", "true");
    const label = element("span", "", text);
    button.append(...(arrowFirst ? [glyph, " ", label] : [label, " ", glyph]));
    return button;
  }

  function setUp(root) {
    const items = Array.from(root.querySelectorAll("[data-scan]"));
    if (!items.length) {
      return;
    }
    const pages = items.map((item) => ({
      reading: item.dataset.reading,
      width: item.dataset.width,
      height: item.dataset.height,
      alt: item.dataset.alt,
      original: item.dataset.original,
      originalLabel: item.dataset.originalLabel,
      link: item.querySelector("a"),
    }));

    const stage = element("div", "scan-viewer-stage");
    stage.tabIndex = 0;
    stage.setAttribute("role", "group");
    stage.setAttribute("aria-roledescription", "page viewer");
    stage.setAttribute(
      "aria-label",
      `${root.dataset.label || "Scans"}: the left and right arrow keys turn the pages`,
    );
    const image = element("img", "scan-viewer-image");
    image.decoding = "async";
    const controls = element("div", "scan-viewer-controls");
    const previous = pageButton("←", "Previous page", true);
    const next = pageButton("→", "Next page", false);
    const status = element("p", "scan-viewer-status");
    status.setAttribute("aria-live", "polite");
    status.setAttribute("aria-atomic", "true");
    const original = element("a", "scan-viewer-original");
    controls.append(previous, status, next, original);
    stage.append(image);
    root.prepend(stage, controls);
    root.classList.add("is-enhanced");

    let current = -1;

    function show(index) {
      const target = Math.max(0, Math.min(pages.length - 1, index));
      if (target === current) {
        return;
      }
      current = target;
      const page = pages[current];
      image.src = page.reading;
      image.alt = page.alt;
      if (page.width && page.height) {
        image.width = Number(page.width);
        image.height = Number(page.height);
      } else {
        image.removeAttribute("width");
        image.removeAttribute("height");
      }
      status.textContent = `Page ${current + 1} of ${pages.length}`;
      original.href = page.original;
      original.textContent = page.originalLabel || "Original file";
      original.setAttribute("aria-label", `${page.alt}: ${original.textContent}`);
      // aria-disabled rather than disabled, so that a button keeps its focus at the first or last page.
      previous.setAttribute("aria-disabled", String(current === 0));
      next.setAttribute("aria-disabled", String(current === pages.length - 1));
      pages.forEach((other, position) => {
        if (position === current) {
          other.link.setAttribute("aria-current", "true");
        } else {
          other.link.removeAttribute("aria-current");
        }
      });
      // The next page is probably wanted next: fetch it now.
      if (current + 1 < pages.length) {
        new Image().src = pages[current + 1].reading;
      }
    }

    previous.addEventListener("click", () => show(current - 1));
    next.addEventListener("click", () => show(current + 1));
    pages.forEach((page, position) => {
      page.link.addEventListener("click", (event) => {
        if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
          return; // opening the image in a new tab or window still works
        }
        event.preventDefault();
        show(position);
        stage.focus();
      });
    });
    root.addEventListener("keydown", (event) => {
      if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) {
        return; // Alt+← is the browser's Back
      }
      const moves = {
        ArrowLeft: current - 1,
        ArrowRight: current + 1,
        Home: 0,
        End: pages.length - 1,
      };
      if (event.key in moves) {
        event.preventDefault();
        show(moves[event.key]);
      }
    });

    show(0);
  }

  document.querySelectorAll("[data-scan-viewer]").forEach(setUp);
}
