/* Cards for the people named in a document's text. Each name is a link to the person's page
   (a.person-mention, made by documents/search/mentions.py) and points to its person's card in
   templates/includes/person_cards.html. The card opens beside the name on hover and on keyboard focus,
   and on a phone at the first tap (a second tap, or the card's own link, follows the link); Escape or a
   tap elsewhere closes it. The card is placed right after the name in the document, so that Tab goes
   from the name into the card's link, and is drawn fixed over the text, so that nothing moves. Without
   this script the names are plain links. */
"use strict";
{
  const GAP = 6;
  const MARGIN = 8;
  let open = null; // {mention, card}
  let closing = 0;
  let tappedOpen = false; // whether the card was already open for the name a finger went down on
  let pointer = ""; // the kind of pointer last pressed: "mouse", "pen" or "touch"
  let dismissed = null; // the name whose card Escape closed: focus back on it does not reopen it

  function cardFor(mention) {
    return document.getElementById(mention.dataset.personCard);
  }

  function place() {
    if (!open) {
      return;
    }
    const { mention, card } = open;
    const name = mention.getBoundingClientRect();
    const width = card.offsetWidth;
    const height = card.offsetHeight;
    const left = Math.max(MARGIN, Math.min(name.left, window.innerWidth - width - MARGIN));
    const below = name.bottom + GAP;
    const top = below + height > window.innerHeight - MARGIN && name.top - GAP - height > MARGIN ? name.top - GAP - height : below;
    card.style.left = `${left}px`;
    card.style.top = `${top}px`;
  }

  function close(returnFocus) {
    window.clearTimeout(closing);
    if (!open) {
      return;
    }
    const { mention, card } = open;
    open = null;
    const hadFocus = card.contains(document.activeElement);
    card.hidden = true;
    document.querySelector(".person-cards").append(card);
    if (returnFocus && hadFocus) {
      mention.focus();
    }
  }

  function show(mention) {
    window.clearTimeout(closing);
    if (open && open.mention === mention) {
      return;
    }
    close(false);
    const card = cardFor(mention);
    if (!card) {
      return;
    }
    mention.after(card);
    card.hidden = false;
    open = { mention, card };
    place();
  }

  function closeSoon() {
    window.clearTimeout(closing);
    closing = window.setTimeout(() => close(false), 250);
  }

  function within(target) {
    if (!(target instanceof Element)) {
      return null;
    }
    return target.closest("a.person-mention, .person-card");
  }

  function setUp() {
    const store = document.querySelector(".person-cards");
    if (!store) {
      return;
    }
    for (const card of store.querySelectorAll(".person-card")) {
      card.hidden = true;
    }
    store.hidden = true;

    document.addEventListener("mouseover", (event) => {
      const hit = within(event.target);
      if (!hit) {
        return;
      }
      if (hit.matches("a.person-mention")) {
        dismissed = null;
        show(hit);
      } else if (open && hit === open.card) {
        window.clearTimeout(closing);
      }
    });
    document.addEventListener("mouseout", (event) => {
      if (open && within(event.target) && !within(event.relatedTarget)) {
        closeSoon();
      }
    });
    document.addEventListener("focusin", (event) => {
      const hit = within(event.target);
      if (hit && hit.matches("a.person-mention")) {
        if (hit !== dismissed) {
          show(hit);
        }
      } else if (open && hit !== open.card) {
        close(false);
      }
    });
    document.addEventListener("focusout", (event) => {
      if (event.target === dismissed) {
        dismissed = null;
      }
      if (open && !within(event.relatedTarget)) {
        closeSoon();
      }
    });
    document.addEventListener("pointerdown", (event) => {
      const hit = within(event.target);
      pointer = event.pointerType;
      tappedOpen = Boolean(hit && open && (hit === open.mention || hit === open.card));
      if (!hit && open) {
        close(false);
      }
    });
    document.addEventListener("click", (event) => {
      const hit = within(event.target);
      // A tap (no hover to show the card first) shows the card; the next tap follows the link.
      if (hit && hit.matches("a.person-mention") && pointer === "touch" && !tappedOpen) {
        event.preventDefault();
        show(hit);
      }
    });
    document.addEventListener("keydown", (event) => {
      pointer = "";
      if (event.key === "Escape" && open) {
        dismissed = open.mention;
        close(true);
      }
    });
    window.addEventListener("scroll", place, { passive: true });
    window.addEventListener("resize", place);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
}
