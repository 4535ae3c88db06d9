"""Dated snapshots of every organisation's figures (``MonitoringSnapshot``), kept for ever.

One row per organisation and day: taking a snapshot again the same day replaces that day's rows
with the figures of the moment (an upsert on the unique (organisation, taken_on)), never a second
row; earlier days are never touched.
"""
from dataclasses import dataclass

from models import MonitoringSnapshot, db
from services.monitoring.figures import FIGURES, Row, region_scope, rows_of, with_figures
from services.monitoring.totals import total_of

BATCH = 500
COLUMNS = {'card': 'card_percent', 'staff': 'staff_percent', 'portfolio': 'portfolio_percent',
           'esia': 'esia_percent'}


def take_snapshot(region_id, day):
    """Store today's figures of every educational organisation of the region as the snapshot
    of ``day``; returns how many organisations it holds."""
    scope = region_scope(region_id)
    rows = with_figures(rows_of(scope), day, scope.select(scope.model.id))
    values = [{'organisation': row.id, 'taken_on': day, 'staff_count': row.staff,
               **{COLUMNS[code]: row.figures[code] for code in COLUMNS}} for row in rows]
    preserve = [MonitoringSnapshot.staff_count, *[getattr(MonitoringSnapshot, c) for c in COLUMNS.values()]]
    with db.atomic():
        for start in range(0, len(values), BATCH):
            (MonitoringSnapshot.insert_many(values[start:start + BATCH])
             .on_conflict(conflict_target=[MonitoringSnapshot.organisation, MonitoringSnapshot.taken_on],
                          preserve=preserve)
             .execute())
    return len(values)


def dates_of(scope):
    """The days snapshots were taken of any organisation of ``scope`` (a scope query), oldest first."""
    ids = scope.select(scope.model.id) if hasattr(scope, 'model') else scope
    query = (MonitoringSnapshot.select(MonitoringSnapshot.taken_on)
             .where(MonitoringSnapshot.organisation.in_(ids)).distinct().order_by(MonitoringSnapshot.taken_on))
    return [day for (day,) in query.tuples()]


def history_of(rows):
    """{organisation id: {day: Row of that day}} of every snapshot of ``rows``' organisations."""
    by_id = {row.id: row for row in rows}
    result = {row.id: {} for row in rows}
    ids = list(by_id)
    fields = [MonitoringSnapshot.organisation, MonitoringSnapshot.taken_on, MonitoringSnapshot.staff_count,
              *[getattr(MonitoringSnapshot, c) for c in COLUMNS.values()]]
    for start in range(0, len(ids), 1000):
        query = MonitoringSnapshot.select(*fields).where(MonitoringSnapshot.organisation.in_(ids[start:start + 1000]))
        for oid, day, staff, *values in query.tuples():
            row = by_id[oid]
            result[oid][day] = Row(oid, row.name, row.kind, row.municipality_id, row.municipality, staff,
                                   dict(zip(COLUMNS, values)))
    return result


@dataclass
class Comparison:
    """Organisations × snapshot dates for one figure, with the total of each date."""
    code: str
    dates: list
    rows: list  # (Row, [tenths or None per date])
    totals: list  # tenths or None per date


def comparison(rows, code, dates, method):
    """The seed's comparison table: each organisation's ``code`` figure on each date."""
    history = history_of(rows)
    table = [(row, [history[row.id][day].figures[code] if day in history[row.id] else None
                    for day in dates]) for row in rows]
    totals = [total_of([history[row.id][day] for row in rows if day in history[row.id]], method).get(code)
              for day in dates]
    return Comparison(code, dates, table, totals)


def series_of(rows, dates, method):
    """{code: [total tenths or None per date]} of ``rows`` over the snapshot dates (one
    organisation's own figures when ``rows`` is one)."""
    history = history_of(rows)
    per_day = [total_of([history[row.id][day] for row in rows if day in history[row.id]], method)
               for day in dates]
    return {code: [day.get(code) for day in per_day] for code in FIGURES}
