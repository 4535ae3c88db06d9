"""One pager for every list: the movement book, the registry screens, the import resolution.

Counting stops at ``COUNT_CAP`` rows, so a broad filter costs no more than a narrow one; the
count keeps the query's order, so the planner walks the same index as the page and stops.
"""
from dataclasses import dataclass

COUNT_CAP = 1000  # beyond this the pager says «более 1000» instead of counting on
PAGE_SIZES = (10, 20, 50, 100)


@dataclass
class Page:
    rows: list
    number: int
    size: int
    total: int  # at most cap + 1
    capped: bool
    cap: int = COUNT_CAP

    @property
    def last(self):
        return max(1, -(-min(self.total, self.cap) // self.size))

    @property
    def first_index(self):
        return (self.number - 1) * self.size + 1

    def links(self, window=2):
        """Page numbers with None for a gap: 1 2 3 … 20."""
        shown = {1, self.last} | set(range(self.number - window, self.number + window + 1))
        numbers = sorted(n for n in shown if 1 <= n <= self.last)
        result, previous = [], 0
        for n in numbers:
            if n - previous > 1:
                result.append(None)
            result.append(n)
            previous = n
        return result


def page_of(query, number, size, count_query=None, cap=COUNT_CAP):
    """One page of ``query``; the count stops at ``cap`` so it stays cheap.

    The count keeps the query's order: with it the planner walks the same index as the
    page and stops at the cap, instead of scanning the table for a broad filter.
    """
    counted = query if count_query is None else count_query  # `or` would run the query
    return page_from(lambda limit: counted.limit(limit).count(),
                     lambda offset, limit: list(query.offset(offset).limit(limit)),
                     number, size, cap)


def page_from(count_of, rows_of, number, size, cap=COUNT_CAP):
    """:func:`page_of` for a list given as functions: ``count_of(limit)`` counts at most
    ``limit`` rows, ``rows_of(offset, limit)`` reads a page."""
    total = count_of(cap + 1)
    last = max(1, -(-min(total, cap) // size))
    number = min(number, last)
    rows = rows_of((number - 1) * size, size) if total else []
    return Page(rows=rows, number=number, size=size, total=total, capped=total > cap, cap=cap)


def page_of_ids(ids_of, number, size, load, lookahead):
    """One page of a list whose every row costs a filtered index step (the pool): the ids up to
    ``lookahead`` pages past this one are read once (``ids_of(limit)``), giving both the count
    and the page, and ``load`` turns the page's ids into the rows shown, in order."""
    cap = min(COUNT_CAP, (number + lookahead) * size)
    ids = ids_of(cap + 1)
    last = max(1, -(-min(len(ids), cap) // size))
    number = min(number, last)
    shown = ids[(number - 1) * size:number * size]
    return Page(rows=load(shown) if shown else [], number=number, size=size, total=len(ids),
                capped=len(ids) > cap, cap=cap)
