/* Parallel reading (templates/documents/detail/parallel.html): switches to show or hide each column (on a
   phone, one column at a time, as tabs), "[" and "]" to the previous and next page while the reader is in
   the pages, and a zoom for each scan (a dialog: buttons, + and -, 0 to fit, drag or arrow keys to move
   about). Without this script every column shows and each scan links to its full-size file. */
"use strict";
{
  const NAMES = { scan: "Scan", original: "Original", translation: "Translation" };
  const narrow = window.matchMedia("(max-width: 48rem)");

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function setUp(root) {
    const columns = Array.from(root.querySelectorAll(".parallel-heads [data-column]"), (head) => head.dataset.column);
    const shown = new Set(columns);
    // On a phone the translation first: most readers read it; the others are a tap away.
    let tab = columns.includes("translation") ? "translation" : columns[0];
    const controls = element("div", "parallel-controls");
    controls.setAttribute("role", "group");
    controls.setAttribute("aria-label", "Columns to show");
    const label = element("span", "", "Show:");
    controls.append(label);
    const buttons = columns.map((column) => {
      const button = element("button", "", NAMES[column]);
      button.type = "button";
      button.dataset.show = column;
      button.addEventListener("click", () => {
        if (narrow.matches) {
          tab = column;
        } else if (shown.has(column) && shown.size > 1) {
          shown.delete(column); // the last column shown stays: a page of nothing helps no one
        } else {
          shown.add(column);
        }
        apply();
      });
      controls.append(button);
      return button;
    });
    const pages = Array.from(root.querySelectorAll(".parallel-page"));
    if (pages.length > 1) {
      controls.append(element("span", "parallel-keys", "[ and ] turn the pages"));
    }
    root.querySelector(".parallel-heads").before(controls);
    root.classList.add("is-enhanced");

    function apply() {
      for (const column of columns) {
        root.classList.toggle(`hide-${column}`, narrow.matches ? column !== tab : !shown.has(column));
      }
      for (const button of buttons) {
        const on = narrow.matches ? button.dataset.show === tab : shown.has(button.dataset.show);
        button.setAttribute("aria-pressed", String(on));
      }
    }
    narrow.addEventListener("change", apply);
    apply();

    function currentPage() {
      const inside = pages.find((page) => page.contains(document.activeElement));
      if (inside) return pages.indexOf(inside);
      const passed = pages.filter((page) => page.getBoundingClientRect().top <= 80);
      return passed.length ? pages.indexOf(passed[passed.length - 1]) : -1;
    }

    function turnTo(index) {
      const page = pages[Math.max(0, Math.min(pages.length - 1, index))];
      history.replaceState(null, "", `#${page.id}`);
      page.focus({ preventScroll: true });
      page.scrollIntoView({ block: "start" });
    }

    root.addEventListener("keydown", (event) => {
      if (event.altKey || event.ctrlKey || event.metaKey || pages.length < 2) return;
      if (event.target.closest("input, textarea, select, [contenteditable]")) return;
      if (event.key === "]" || event.key === "[") {
        event.preventDefault();
        turnTo(currentPage() + (event.key === "]" ? 1 : -1));
      }
    });

    for (const link of root.querySelectorAll("[data-zoom]")) {
      link.addEventListener("click", (event) => {
        if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        zoom(link.href, link.dataset.zoomLabel);
      });
    }
  }

  let dialog;

  function zoom(url, label) {
    dialog = dialog || zoomDialog();
    dialog.zoomTo(url, label);
  }

  function zoomDialog() {
    const box = element("dialog", "scan-zoom");
    box.setAttribute("aria-label", "Scan, zoomed");
    const bar = element("div", "scan-zoom-bar");
    const out = element("button", "", "Zoom out");
    const into = element("button", "", "Zoom in");
    const fit = element("button", "", "Fit");
    const status = element("span", "scan-zoom-status");
    status.setAttribute("aria-live", "polite");
    const close = element("button", "scan-zoom-close", "Close");
    for (const button of [out, into, fit, close]) button.type = "button";
    bar.append(out, into, fit, status, close);
    const stage = element("div", "scan-zoom-stage");
    stage.tabIndex = 0;
    stage.setAttribute("role", "group");
    stage.setAttribute("aria-label", "The scan: drag or use the arrow keys to move, + and - to zoom, 0 to fit");
    const image = element("img");
    stage.append(image);
    box.append(bar, stage);
    document.body.append(box);

    let scale = 1;
    let fitted = 1;

    function setScale(next) {
      if (!image.naturalWidth) return;
      const centreX = (stage.scrollLeft + stage.clientWidth / 2) / (image.width || 1);
      const centreY = (stage.scrollTop + stage.clientHeight / 2) / (image.height || 1);
      scale = Math.max(fitted / 2, Math.min(4, next));
      image.width = Math.round(image.naturalWidth * scale);
      image.height = Math.round(image.naturalHeight * scale);
      stage.scrollLeft = centreX * image.width - stage.clientWidth / 2;
      stage.scrollTop = centreY * image.height - stage.clientHeight / 2;
      status.textContent = `${Math.round(scale * 100)}%`;
    }

    function fitToStage() {
      fitted = Math.min(1, stage.clientWidth / image.naturalWidth, stage.clientHeight / image.naturalHeight);
      setScale(fitted);
    }

    image.addEventListener("load", fitToStage);
    out.addEventListener("click", () => setScale(scale / 1.25));
    into.addEventListener("click", () => setScale(scale * 1.25));
    fit.addEventListener("click", fitToStage);
    close.addEventListener("click", () => box.close());
    stage.addEventListener("keydown", (event) => {
      const steps = { "+": 1.25, "=": 1.25, "-": 0.8 };
      if (event.key in steps) {
        event.preventDefault();
        setScale(scale * steps[event.key]);
      } else if (event.key === "0") {
        event.preventDefault();
        fitToStage();
      }
    });
    stage.addEventListener("wheel", (event) => {
      if (!event.ctrlKey) return; // the wheel scrolls; Ctrl and the wheel (a trackpad's pinch) zoom
      event.preventDefault();
      setScale(scale * (event.deltaY < 0 ? 1.1 : 0.9));
    }, { passive: false });
    let drag = null;
    stage.addEventListener("pointerdown", (event) => {
      drag = { x: event.clientX, y: event.clientY };
      stage.setPointerCapture(event.pointerId);
      stage.classList.add("is-dragging");
    });
    stage.addEventListener("pointermove", (event) => {
      if (!drag) return;
      stage.scrollLeft -= event.clientX - drag.x;
      stage.scrollTop -= event.clientY - drag.y;
      drag = { x: event.clientX, y: event.clientY };
    });
    for (const end of ["pointerup", "pointercancel"]) {
      stage.addEventListener(end, () => {
        drag = null;
        stage.classList.remove("is-dragging");
      });
    }

    box.zoomTo = (url, label) => {
      image.removeAttribute("width");
      image.removeAttribute("height");
      image.alt = label || "Scan";
      box.showModal();
      image.src = url;
      if (image.complete && image.naturalWidth) fitToStage();
      stage.focus();
    };
    return box;
  }

  document.querySelectorAll("[data-parallel]").forEach(setUp);
}
