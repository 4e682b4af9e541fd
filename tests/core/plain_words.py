"""What "plain words" means for an error text, shared by the message walk and the browser test."""

from __future__ import annotations

import re

# API names that are English words ("rate", "venue", "title") may appear in a sentence; a name that
# is not a word (anything with an underscore, or these) must not.
CODE_WORDS = {"pk", "slug", "iso", "datetime", "date-time", "json", "null", "boolean", "int", "str", "dict", "url",
              "lat", "lng"}
FORMAT_NAMES = re.compile(r"\bISO\b|ISO ?\d|\b8601\b|\b4217\b|date-time|datetime|\bJSON\b|\bUTC offset\b", re.I)


def problems(text: str, field_names=()) -> list[str]:
    """Why ``text`` is not plain words (empty when it is)."""
    found = []
    if "_" in text:
        found.append("an underscore")
    if FORMAT_NAMES.search(text):
        found.append("a format name")
    words = set(re.findall(r"[A-Za-z][A-Za-z_-]*", text))
    lowered = {w.lower() for w in words}
    for name in field_names:
        if ("_" in name or name.lower() in CODE_WORDS) and (name in words or name.lower() in lowered):
            found.append(f"the field name {name}")
    found += [f"the code word {w}" for w in sorted(lowered & CODE_WORDS - {"iso"})]
    return found
