"""Resumption tokens: a signed keyset position, so that paging never counts rows or holds state.

A token carries the list's arguments (format, set, from), its upper bound frozen at the first
request (``until``, or the time of that request), and the (datestamp, record id) of the last record
sent. Records that change during a harvest move past the frozen bound, so pages never shift; the
next incremental harvest (from the first response's date) brings them. Tokens do not expire; one
signed with another SECRET_KEY, altered or made up is badResumptionToken."""

import datetime

from django.core import signing

from .protocol import OAIError

SALT = "documents.oai.resumption-token"


def dump(verb, prefix, spec, lower, upper, last, cursor):
    """A token for the list after ``last`` (datestamp, record id); ``cursor`` records sent so far."""
    at, record_id = last
    state = {
        "v": verb,
        "m": prefix,
        "s": spec,
        "f": lower and lower.isoformat(),
        "u": upper.isoformat(),
        "a": at.isoformat(),
        "r": record_id,
        "c": cursor,
    }
    return signing.dumps(state, salt=SALT, compress=True)


def load(token, verb):
    """The state a token of this verb carries, with its times parsed, or OAIError badResumptionToken."""
    try:
        state = signing.loads(token, salt=SALT)
        if state["v"] != verb:
            raise ValueError
        lower = datetime.datetime.fromisoformat(state["f"]) if state["f"] else None
        upper = datetime.datetime.fromisoformat(state["u"])
        at = datetime.datetime.fromisoformat(state["a"])
        record_id, cursor = state["r"], state["c"]
        if not (isinstance(record_id, int) and isinstance(cursor, int) and isinstance(state["m"], str)):
            raise ValueError
        if state["s"] is not None and not isinstance(state["s"], str):
            raise ValueError
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise OAIError("badResumptionToken", "The resumption token is invalid.") from None
    return {
        "prefix": state["m"],
        "set": state["s"],
        "from": lower,
        "until": upper,
        "after": (at, record_id),
        "cursor": cursor,
    }
