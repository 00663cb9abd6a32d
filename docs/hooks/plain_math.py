"""A griffe extension for the API reference (mkdocs.yml, mkdocstrings' ``extensions``).

The docstrings write formulas and shapes in plain text, as ``help()`` shows them:
``out = x * y``, ``(N, *)``.  Markdown would read a pair of such asterisks on one line as
emphasis and swallow them, so this escapes every asterisk of the prose: not those in code spans
(they render literally anyway), not a list bullet at the start of a line, and nothing from the
``Examples:`` section on (mkdocstrings renders it as code)."""
import re

import griffe

_CODE_SPAN = re.compile(r"(``.*?``|`[^`]*`)")
_BARE_ASTERISK = re.compile(r"(?<!\\)\*")
_BULLET = re.compile(r"^(\s*)\\\* ")


def escape_asterisks(text):
    """``text`` with the asterisks of its prose escaped for Markdown (see the module)."""
    lines = []
    for line in text.splitlines():
        if line.strip() in ("Examples:", "Example:"):
            lines.extend(text.splitlines()[len(lines):])
            break
        parts = _CODE_SPAN.split(line)
        line = "".join(part if i % 2 else _BARE_ASTERISK.sub(r"\\*", part)
                       for i, part in enumerate(parts))
        lines.append(_BULLET.sub(r"\1* ", line))
    return "\n".join(lines)


class PlainMathDocstrings(griffe.Extension):
    """Escape the prose asterisks of every docstring the reference renders."""

    def on_instance(self, *, obj, **kwargs):
        if obj.docstring is not None:
            obj.docstring.value = escape_asterisks(obj.docstring.value)
