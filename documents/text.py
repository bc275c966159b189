"""One form for stored text, whichever way it came in: line breaks as \\n and Unicode composed (NFC).

Browsers post a textarea's line breaks as \\r\\n, files may hold \\r, and macOS keyboards and PDF
copies give decomposed letters ("u" + combining diaeresis for "ü"). Stored as sent, the same text
would differ from itself: a save that changed nothing would show as a change in the history, the
export and the ETag. Every model of the archive stores text through normalize_text
(models/base.py, NormalizedTextModel), and the admin's text areas compare it so too (TextAreaField)."""

import re
import unicodedata

from django import forms


def normalize_text(value):
    """value with \\r\\n and \\r as \\n, in NFC; anything that is not text as it is."""
    if not isinstance(value, str):
        return value
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))


class TextAreaField(forms.CharField):
    """A form field for a model's TextField: what the browser posts is compared and cleaned as it
    will be stored, so an untouched text area is no change."""

    def to_python(self, value):
        return normalize_text(super().to_python(value))

    def has_changed(self, initial, data):
        # A text stored before text was normalized (with \r\n) is no change either.
        return super().has_changed(normalize_text(initial), data)


def name_key(name):
    """How names are compared: whatever the case, the spacing and the Unicode form ("Müller" in NFC
    or NFD, "MÜLLER", " müller "). A person's is stored (Person.name_key) and unique."""
    return " ".join(unicodedata.normalize("NFC", normalize_text(name).casefold()).split())


def loose_key(name):
    """name_key without accents ("Zhou Enlai" for "Zhōu Ēnlái", "Петр" for "Пётр"): how the import
    finds a person that a file spells without them."""
    decomposed = unicodedata.normalize("NFKD", name)
    return " ".join("".join(char for char in decomposed if not unicodedata.combining(char)).casefold().split())


# What a page behind Cloudflare's e-mail obfuscation shows where it hid an address, scraped as text:
# the seed's rights statement, and any other record imported from such a page, says "please contact
# ... at [email protected]". Readers are given the archive's own contact address in its place.
HIDDEN_EMAIL = re.compile(r"\[email(?:\s|&nbsp;|&#160;)+protected\]", re.IGNORECASE)


def reveal_hidden_email(text, address):
    """text with each hidden address ("[email protected]") given as address."""
    return HIDDEN_EMAIL.sub(lambda match: address, text)
