"""What every parser shares: the record type it yields and the parser signature.

A parser is a pure function ``parse(lines, source) -> Iterator[Parsed | Rejected]``.
``lines`` iterates over decoded text lines (with line endings), ``source`` is the
file name used in messages. A record the parser cannot use is yielded as
``Rejected(line, reason)``; a change worth reporting (a split name joined) as
``Note(line, text)``; input that cannot be read at all raises
``InputError(source, line, reason)``. Parsers never touch the store or network.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from paperfeed.models import Note, Parsed, Rejected

Record = Parsed | Rejected | Note
Parser = Callable[[Iterable[str], str], Iterator[Record]]
