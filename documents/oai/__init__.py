"""OAI-PMH 2.0 at /oai/: the archive's published documents for library harvesters (docs/oai-pmh.md).

protocol.py parses requests and names the errors, records.py reads the keyset-paged stream of live
and deleted records, sets.py and formats.py say what sets and metadata formats there are,
tokens.py signs resumption tokens, xml.py writes responses, views.py answers the six verbs."""
