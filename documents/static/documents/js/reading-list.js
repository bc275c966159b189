// The reading list (documents/web/reading_list.py): record IDs a reader marks while browsing, kept in
// this browser's localStorage, with no account and nothing sent until the reader opens the list, whose
// address then holds it (/reading-list/?ids=…). Every document card and page ([data-record-id]) gets an
// "Add to reading list" button; the navigation's link counts the list. Without JavaScript, or with
// storage refused (private windows may), nothing is added and nothing breaks.
(function () {
  "use strict";

  var KEY = "archive-reading-list";
  var MAX = 200; // reading_list.MAX_DOCUMENTS
  var link = document.querySelector("[data-reading-list-link]");
  if (!link) return;
  var base = link.getAttribute("href");
  var status = document.querySelector("[data-reading-list-status]");

  function read() {
    try {
      var ids = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      if (!Array.isArray(ids)) return [];
      // Stored by this script, but read as untrusted: each record ID once, at most MAX, as the server
      // accepts a list (an overlong one would be refused there, leaving nothing to remove it with).
      var seen = new Set();
      return ids.filter(function (id) {
        if (!Number.isInteger(id) || id <= 0 || seen.has(id)) return false;
        seen.add(id);
        return true;
      }).slice(0, MAX);
    } catch (error) {
      return [];
    }
  }

  function write(ids) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(ids));
      return true;
    } catch (error) {
      return false;
    }
  }

  function address(ids) {
    return ids.length ? base + "?ids=" + ids.join(",") : base;
  }

  function announce(message) {
    if (status) status.textContent = message;
  }

  function counted(ids) {
    return ids.length + (ids.length === 1 ? " document" : " documents");
  }

  function showCount(ids) {
    link.textContent = ids.length ? "Reading list (" + ids.length + ")" : "Reading list";
    link.setAttribute("href", address(ids));
  }

  function label(button, listed) {
    button.textContent = listed ? "Remove from reading list" : "Add to reading list";
    button.classList.toggle("is-listed", listed);
  }

  function toggle(button, id) {
    var ids = read();
    var listed = ids.indexOf(id) !== -1;
    if (listed) {
      ids = ids.filter(function (other) { return other !== id; });
    } else if (ids.length >= MAX) {
      announce("Your reading list is full (" + MAX + " documents): remove some first.");
      return;
    } else {
      ids.push(id);
    }
    if (!write(ids)) {
      announce("This browser does not let the archive keep a reading list (private browsing may refuse it).");
      return;
    }
    label(button, !listed);
    showCount(ids);
    announce((listed ? "Removed from" : "Added to") + " your reading list: " + counted(ids) + ".");
    if (listed && page) window.location.replace(address(ids)); // the list's own page shows the list
  }

  var page = document.querySelector("[data-reading-list-page]");
  var stored = read();
  showCount(stored);

  document.querySelectorAll("[data-record-id]").forEach(function (item) {
    var id = parseInt(item.getAttribute("data-record-id"), 10);
    var title = item.querySelector("h1, .document-card-title");
    if (!id || !title) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "reading-list-toggle";
    label(button, stored.indexOf(id) !== -1);
    button.addEventListener("click", function () { toggle(button, id); });
    title.insertAdjacentElement("afterend", button);
  });

  if (!page) return;
  var asked = new URLSearchParams(window.location.search).get("ids");
  if (asked === null && stored.length) {
    window.location.replace(address(stored)); // the list in this browser, shown by the server
    return;
  }
  var shown = (page.getAttribute("data-ids") || "").split(",").filter(Boolean).map(Number);
  var others = shown.filter(function (id) { return stored.indexOf(id) === -1; });
  var tools = document.createElement("p");
  tools.className = "reading-list-tools";
  if (others.length) {
    // A list someone sent: kept apart from this browser's own until the reader adds it.
    var keep = document.createElement("button");
    keep.type = "button";
    keep.textContent = stored.length ? "Add these documents to my reading list" : "Keep this reading list in this browser";
    keep.addEventListener("click", function () {
      var merged = stored.concat(others).slice(0, MAX);
      if (write(merged)) window.location.replace(address(merged));
      else announce("This browser does not let the archive keep a reading list (private browsing may refuse it).");
    });
    tools.appendChild(keep);
  } else if (stored.length) {
    var clear = document.createElement("button");
    clear.type = "button";
    clear.textContent = "Clear the reading list";
    clear.addEventListener("click", function () {
      if (write([])) window.location.replace(base + "?ids=");
    });
    tools.appendChild(clear);
  }
  var about = page.querySelector(".reading-list-about");
  if (tools.firstChild) about.insertAdjacentElement("afterend", tools);
})();
