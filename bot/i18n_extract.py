"""A Babel extractor for domain.yml: each response's text and button titles are messages.

Referenced from babel.cfg as ``bot.i18n_extract:extract_domain``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import yaml


def extract_domain(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Yield (line, function, message, comments) for every response text and button title."""
    root = yaml.compose(fileobj.read().decode("utf-8"))
    if root is None:
        return
    for key, value in root.value:
        if key.value != "responses":
            continue
        for name_node, variations in value.value:
            for variation in variations.value:
                for field, node in variation.value:
                    if field.value == "text":
                        yield node.start_mark.line + 1, "gettext", node.value, [name_node.value]
                    elif field.value == "buttons":
                        for button in node.value:
                            for bkey, bval in button.value:
                                if bkey.value == "title":
                                    comment = [f"{name_node.value} button"]
                                    yield bval.start_mark.line + 1, "gettext", bval.value, comment
