"""Moving a whole library between stores (SQLite <-> PostgreSQL): every table of store/tables.py,
ids kept, verified by counting each table on both sides afterwards."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from paperfeed.errors import PaperfeedError
from paperfeed.store.base import Store
from paperfeed.store.tables import TABLES

BATCH = 2000


@dataclass
class CopyReport:
    """Rows copied per table (equal on both sides: checked)."""

    tables: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        """All rows copied."""
        return sum(self.tables.values())


def copy_library(src: Store, dest: Store, progress: Callable[[str, int], None] | None = None) -> CopyReport:
    """Copy every table from ``src`` into the empty store ``dest`` in one transaction of ``dest``.

    Raises PaperfeedError if ``dest`` holds anything, or if a count differs afterwards (nothing is
    then kept in ``dest``)."""
    busy = {t: n for t, n in dest.table_counts().items() if n}
    if busy:
        raise PaperfeedError(f"the destination is not empty ({', '.join(f'{t}: {n}' for t, n in busy.items())}); "
                             "copy into a new library")
    report = CopyReport()
    with dest.transaction():
        for table, columns in TABLES:
            n = 0
            for rows in src.table_rows(table, columns, BATCH):
                dest.put_table_rows(table, columns, rows)
                n += len(rows)
                if progress:
                    progress(table, len(rows))
            report.tables[table] = n
        dest.finish_copy()
        got = dest.table_counts()
        wrong = {t: (n, got.get(t, 0)) for t, n in src.table_counts().items() if got.get(t, 0) != n}
        if wrong:
            raise PaperfeedError("copy did not verify: " + ", ".join(f"{t} {a} -> {b}" for t, (a, b) in wrong.items()))
    return report
