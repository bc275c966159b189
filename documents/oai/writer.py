"""Writing XML with the standard library: Django's SimplerXMLGenerator, as its feeds use.

Text from the database may hold characters XML 1.0 cannot carry (control characters from a pasted
cable): they are dropped, so that every response stays well-formed."""

import re
from contextlib import contextmanager
from io import StringIO

from django.utils.xmlutils import SimplerXMLGenerator

NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text):
    return NOT_XML.sub("", str(text))


class Writer:
    """An XML document written element by element into a string."""

    def __init__(self):
        self.out = StringIO()
        self.xml = SimplerXMLGenerator(self.out, "utf-8", short_empty_elements=True)
        self.xml.startDocument()

    @contextmanager
    def element(self, name, attrs=None):
        self.xml.startElement(name, self._attrs(attrs))
        yield
        self.xml.endElement(name)

    def text(self, name, text=None, attrs=None):
        """One element holding text (or empty)."""
        self.xml.addQuickElement(name, None if text is None else clean(text), self._attrs(attrs))

    def getvalue(self):
        return self.out.getvalue()

    @staticmethod
    def _attrs(attrs):
        return {key: clean(value) for key, value in (attrs or {}).items() if value is not None}
