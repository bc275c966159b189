"""Who wrote to whom, drawn as SVG on the server: people on a circle (or one person at its centre and
their correspondents around), one curved arrow per direction between two people, its width the number
of documents, each arrow and each name a link (to the list of those documents, to the person's page).
No script: the figure is in the page, reads without JavaScript, and every link in it is reached by Tab.

A person's page draws their own correspondents; /people/network/ the archive's busiest pairs."""

import math
from dataclasses import dataclass

from django.urls import reverse

from ..models import DocumentPerson, Person
from ..search.people import list_url

NODE_RADIUS = 7
# A letter of a name, at most on average, in the figure's units (15 px system-ui, site.css): a label is
# cut to the room between its node and the figure's edge, else the edge cuts it mid-letter.
LETTER_WIDTH = 10
# The archive-wide figure stays legible at this many people; the table below it lists every pair.
MAX_PEOPLE = 24


@dataclass(frozen=True)
class Node:
    name: str
    url: str
    x: float
    y: float
    label_x: float
    label_y: float
    anchor: str
    letters: int

    @property
    def short_name(self):
        """The name, else as many of its last words as fit (a surname, mostly), cut without an ellipsis:
        the visible text stays part of the link's name, the full name (WCAG 2.5.3, "label in name")."""
        if len(self.name) <= self.letters:
            return self.name
        words = self.name.split()
        shown = words.pop()
        while words and len(words[-1]) + 1 + len(shown) <= self.letters:
            shown = f"{words.pop()} {shown}"
        return shown[: self.letters]


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    documents: int
    url: str
    path: str
    width: float

    @property
    def label(self):
        return f"{self.source} to {self.target}: {self.documents} document{'s' if self.documents != 1 else ''}"


@dataclass(frozen=True)
class Canvas:
    """The figure's size in its own units (the SVG's viewBox, scaled to the page's width) and the circle's
    radius: a smaller canvas draws the same text larger on a phone."""

    width: int
    height: int
    radius: int

    @property
    def centre(self):
        return self.width / 2, self.height / 2


# A person among their ten correspondents; the archive's two dozen busiest.
PERSON, ARCHIVE = Canvas(560, 420, 140), Canvas(760, 560, 200)


@dataclass(frozen=True)
class Network:
    nodes: tuple
    edges: tuple
    canvas: Canvas


def draw(people, letters, canvas, centre=None):
    """people: {key: (name, url)} in the order to place them; letters: [(from key, to key, documents,
    url)]. centre: the key drawn in the middle (a person's own page), the others around it."""
    around = [key for key in people if key != centre]
    places = {key: _on_circle(canvas, index, len(around)) for index, key in enumerate(around)}
    if centre is not None:
        places[centre] = canvas.centre
    nodes = tuple(_node(canvas, *people[key], *places[key], is_centre=key == centre) for key in people)
    most = max((documents for _, _, documents, _ in letters), default=1)
    edges = tuple(
        Edge(
            people[source][0],
            people[target][0],
            documents,
            url,
            _arrow(places[source], places[target]),
            round(1.5 + 6 * documents / most, 1),
        )
        for source, target, documents, url in letters
    )
    return Network(nodes, edges, canvas)


def _on_circle(canvas, index, count):
    angle = -math.pi / 2 + 2 * math.pi * index / max(count, 1)  # the first at the top, then clockwise
    (x, y), radius = canvas.centre, canvas.radius
    return x + radius * math.cos(angle), y + radius * math.sin(angle)


def _node(canvas, name, url, x, y, is_centre):
    dx, dy = x - canvas.centre[0], y - canvas.centre[1]
    if is_centre:  # below: arrows come and go above and beside
        return Node(name, url, x, y, x, y + 24, "middle", 26)
    distance = math.hypot(dx, dy) or 1
    label_x, label_y = x + 14 * dx / distance, y + 14 * dy / distance + 4
    anchor = "start" if dx > 1 else "end" if dx < -1 else "middle"
    room = {"start": canvas.width - label_x, "end": label_x}.get(anchor, 2 * min(label_x, canvas.width - label_x))
    letters = min(26, int(room // LETTER_WIDTH))
    return Node(name, url, round(x, 1), round(y, 1), round(label_x, 1), round(label_y, 1), anchor, letters)


def _arrow(start, end):
    """A quadratic curve from start to end, bent to its left: the two directions between two people
    never lie on each other. Its ends stop short of the dots, so that the arrowhead shows."""
    (x1, y1), (x2, y2) = start, end
    length = math.hypot(x2 - x1, y2 - y1) or 1
    bend = max(14, 0.18 * length)
    cx, cy = (x1 + x2) / 2 + bend * (y2 - y1) / length, (y1 + y2) / 2 - bend * (x2 - x1) / length
    x1, y1 = _towards((x1, y1), (cx, cy), NODE_RADIUS + 2)
    x2, y2 = _towards((x2, y2), (cx, cy), NODE_RADIUS + 4)
    return f"M{x1:.1f},{y1:.1f} Q{cx:.1f},{cy:.1f} {x2:.1f},{y2:.1f}"


def _towards(point, target, distance):
    (x, y), (tx, ty) = point, target
    length = math.hypot(tx - x, ty - y) or 1
    return x + distance * (tx - x) / length, y + distance * (ty - y) / length


def person_network(person, correspondents):
    """A person's page: them in the middle, their correspondents (search.people.correspondents) around."""
    people = {person.slug: (person.name, person.get_absolute_url())}
    letters = []
    for other in correspondents:
        people[other.slug] = (other.name, reverse("documents:person_detail", args=[other.slug]))
        if other.sent:
            letters.append((person.slug, other.slug, other.sent, other.sent_url))
        if other.received:
            letters.append((other.slug, person.slug, other.received, other.received_url))
    return draw(people, letters, PERSON, centre=person.slug) if letters else None


def archive_network(user):
    """The archive's busiest pairs of correspondents, as many as keep MAX_PEOPLE people on the circle."""
    pairs, keys = [], []
    for source, target, documents in DocumentPerson.objects.correspondence(user, limit=MAX_PEOPLE * 3):
        new = [key for key in (source, target) if key not in keys]
        if len(keys) + len(new) > MAX_PEOPLE:
            continue
        keys += new
        pairs.append((source, target, documents))
    found = Person.objects.only("name", "slug").in_bulk(keys)
    people = {key: (found[key].name, found[key].get_absolute_url()) for key in keys}
    letters = [
        (source, target, documents, list_url(author=found[source].slug, recipient=found[target].slug))
        for source, target, documents in pairs
    ]
    return draw(people, letters, ARCHIVE) if letters else None
