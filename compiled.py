"""Compiled queries: a select whose SQL is generated once per database kind and shape.

When to use it: for a fixed-shape select that runs on (nearly) every request, where peewee's
rebuilding of the SQL text costs more than the query itself (the session, the roles, the
screens' per-row lookups). Everything else stays a plain peewee query: compiling saves tens of
microseconds, which matters only when a query runs thousands of times a minute.
"""
import datetime
import functools

from models import db

# What a peewee cursor wrapper holds for one execution; the rest is the column mapping.
_PER_EXECUTION = {'cursor', 'count', 'index', 'initialized', 'populated', 'row_cache'}


class compiled:
    """A select that runs on every page: its SQL is generated once per database kind and
    shape, and each call only binds new values (peewee rebuilds the SQL text on every
    execution, which costs more than most of the queries themselves).

    ``build(*values, **shape)`` returns the query.  Values are ints, strs, dates or lists of
    ints (an IN list: its length is part of the shape); keyword arguments are the shape
    itself (which filters are used) and are passed on unchanged.  The first call of a shape
    runs the query as it is; on the second the query is built twice, with the values and with
    distinct probes, so every parameter is known to be a value or a constant (a LIMIT, a state
    name); a parameter computed from a value (a prefix's upper bound) must be passed as a value
    of its own.
    """

    def __init__(self, build):
        self.build = build
        self.plans, self.seen, self.wrappers = {}, set(), {}
        functools.update_wrapper(self, build)

    @staticmethod
    def _probe(number, value):
        if isinstance(value, str):
            return f'\x00probe{number}'
        if isinstance(value, datetime.date):
            return datetime.date(1000, 1, 1) + datetime.timedelta(days=number)
        return -7_000_001 - number

    def _plan(self, database, values, shape):
        name = self.build.__name__
        context = database.get_sql_context
        query = self.build(*values, **shape)
        sql, params = context().sql(query).query()
        where, probes = {}, []
        for i, value in enumerate(values):
            if isinstance(value, (list, tuple)):
                probe = [self._probe(len(where) + j, v) for j, v in enumerate(value)]
                where.update({p: (i, j) for j, p in enumerate(probe)})
            else:
                probe = self._probe(len(where), value)
                where[probe] = (i, None)
            probes.append(probe)
        probe_sql, probe_params = context().sql(self.build(*probes, **shape)).query()
        if probe_sql != sql or len(probe_params) != len(params):
            raise ValueError(f'{name}: the SQL depends on the values')
        slots = [where.get(p) for p in probe_params]
        if any(slot is None and p != probe for slot, p, probe in zip(slots, params, probe_params)):
            raise ValueError(f'{name}: a parameter is computed from the values')
        return query, sql, [(slot, None if slot else p) for slot, p in zip(slots, params)]

    def first(self, *values, **shape):
        """The first row, or None."""
        found = self(*values, **shape)
        return found[0] if found else None

    def scalar(self, *values, **shape):
        """The first column of the first row (a count, an id), or None."""
        found = self(*values, **shape)
        if not found:
            return None
        row = found[0]
        return row[0] if isinstance(row, tuple) else row

    def raw(self, *values, **shape):
        """The rows as the driver gives them: tuples, no converters (SQLite dates stay text);
        for a tuple query of many rows whose columns need no conversion."""
        return self(*values, _raw=True, **shape)

    def __call__(self, *values, _raw=False, **shape):
        """The rows, as the query would give them (models, tuples or dicts)."""
        database = db.obj
        key = (type(database), tuple(sorted(shape.items())),
               tuple(len(v) if isinstance(v, (list, tuple)) else None for v in values))
        plan = self.plans.get(key)
        if plan is None:
            if key not in self.seen:  # a shape seen once may never come back: run it plainly
                self.seen.add(key)
                query = self.build(*values, **shape)
                if _raw:
                    return database.execute_sql(*database.get_sql_context().sql(query).query()).fetchall()
                return list(query)
            plan = self.plans[key] = self._plan(database, values, shape)
        query, sql, slots = plan
        params = [constant if slot is None else
                  values[slot[0]] if slot[1] is None else values[slot[0]][slot[1]]
                  for slot, constant in slots]
        if _raw:
            return database.execute_sql(sql, params).fetchall()
        wrapper = query._get_cursor_wrapper(database.execute_sql(sql, params))
        # peewee maps the cursor's columns to models and converters on every execution (for a
        # join of several models that costs more than the query); the SQL is fixed, so the
        # mapping is too: it is kept from the first execution that returned a row.
        known = self.wrappers.get(key)
        if known is not None:
            wrapper.__dict__.update(known)
            wrapper.initialized = True
        rows = list(wrapper)
        if known is None and wrapper.initialized:
            self.wrappers[key] = {name: value for name, value in wrapper.__dict__.items()
                                  if name not in _PER_EXECUTION}
        return rows
