"""What each employment's portfolio items, educations and accounts amount to for the fill of its
card and portfolio (``employment_summary``), kept by the database itself.

The fill's checks on an employment's own columns are cheap to read; the others look at other
tables (a complete education, a course in the last three years, an attestation in the last five,
items without gaps, an account linked to ЕСИА).  Read per card as EXISTS they cost seconds at a
nation's 200,000 cards, so each employment keeps one summary row instead: its latest course and
attestation dates (the three- and five-year windows are applied when read, so the row never ages),
how many items it has and how many lack something, how many complete educations and how many of
the person's accounts are linked to ЕСИА.

Triggers on ``portfolio_item``, ``employment_education``, ``"user"`` and ``employment`` recompute
an employment's row whenever one of its rows is written, whoever writes (a page, an import, a
loader, SQL by hand).  Their SQL is generated here from the conditions services.staff.fill
defines, so each rule is written once; :func:`install` (migration 0025, and any later migration
that changes a rule) replaces them and :func:`refresh` recomputes every row.  A test checks that
the installed triggers are the ones generated today.
"""
from peewee import SQL, PostgresqlDatabase, fn

from models import Employment, EmploymentEducation, EmploymentSummary, PortfolioItem, User
from services.staff.fill import ATTESTATION, COURSE_KINDS, education_complete, item_has_gaps

PREFIX = 'employment_summary'


def _items(ref):
    mine = PortfolioItem.employment == ref

    def latest(kind):
        return PortfolioItem.select(fn.MAX(PortfolioItem.issued_on)).where(mine, kind)

    def count(*where):
        return PortfolioItem.select(fn.COUNT(PortfolioItem.id)).where(mine, *where)
    return {EmploymentSummary.course_on: latest(PortfolioItem.kind.in_(COURSE_KINDS)),
            EmploymentSummary.attestation_on: latest(PortfolioItem.kind == ATTESTATION),
            EmploymentSummary.items: count(), EmploymentSummary.item_gaps: count(item_has_gaps())}


def _educations(ref):
    return {EmploymentSummary.educations: EmploymentEducation.select(fn.COUNT(EmploymentEducation.id))
            .where(EmploymentEducation.employment == ref, education_complete())}


def _accounts_of_person(person_ref):
    return User.select(fn.COUNT(User.id)).where(User.person == person_ref, User.esia_oid.is_null(False))


def _accounts(ref):
    person = Employment.select(Employment.person).where(Employment.id == ref)
    return {EmploymentSummary.esia_accounts: _accounts_of_person(person)}


def _update(values, ref):
    return EmploymentSummary.update(values).where(EmploymentSummary.employment == ref)


def _statements(table, row):
    """The statements that bring the summaries up to date after a change of one row of ``table``,
    ``row`` being 'NEW' or 'OLD'."""
    if table == 'portfolio_item':
        return [_update(_items(SQL(f'{row}.employment_id')), SQL(f'{row}.employment_id'))]
    if table == 'employment_education':
        return [_update(_educations(SQL(f'{row}.employment_id')), SQL(f'{row}.employment_id'))]
    if table == 'user':
        person = SQL(f'{row}.person_id')
        return [EmploymentSummary.update({EmploymentSummary.esia_accounts: _accounts_of_person(person)})
                .where(EmploymentSummary.employment.in_(Employment.select(Employment.id)
                                                        .where(Employment.person == person)))]
    if table == 'employment' and row == 'NEW':
        ref = SQL('NEW.id')
        return [EmploymentSummary.insert(employment=ref).on_conflict_ignore().returning(),  # no RETURNING in a trigger
                _update({**_items(ref), **_educations(ref), **_accounts(ref)}, ref)]
    raise ValueError(table)


# table → (events it is written on, the rows each event recomputes from)
EVENTS = {
    'portfolio_item': {'INSERT': ('NEW',), 'UPDATE': ('OLD', 'NEW'), 'DELETE': ('OLD',)},
    'employment_education': {'INSERT': ('NEW',), 'UPDATE': ('OLD', 'NEW'), 'DELETE': ('OLD',)},
    # Sign-ins update other columns of "user" all day: only these two change the count.
    'user': {'INSERT': ('NEW',), 'UPDATE OF "esia_oid", "person_id"': ('OLD', 'NEW'), 'DELETE': ('OLD',)},
    'employment': {'INSERT': ('NEW',), 'UPDATE OF "person_id"': ('NEW',)},
}


def _literal(value, postgres):
    if value is None:
        return 'NULL'
    if isinstance(value, bool):
        return ('TRUE' if value else 'FALSE') if postgres else str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f'no literal for {value!r}')


def _sql(database, query):
    """``query`` as one statement with its values written in (a trigger's body takes no parameters)."""
    sql, params = database.get_sql_context().sql(query).query()
    postgres = isinstance(database, PostgresqlDatabase)
    parts = sql.split(database.param)
    assert len(parts) == len(params) + 1, sql
    return parts[0] + ''.join(_literal(value, postgres) + part for value, part in zip(params, parts[1:]))


def _event_sql(database, table, event):
    return [_sql(database, statement) for row in EVENTS[table][event] for statement in _statements(table, row)]


def _name(table, event=None):
    suffix = '' if event is None else '_' + event.split()[0].lower()
    return f'{PREFIX}_{table}{suffix}'


def definitions(database):
    """{trigger name: its SQL} (SQLite) or {function name: its body} (PostgreSQL), as :func:`install` writes them."""
    found = {}
    for table, events in EVENTS.items():
        if isinstance(database, PostgresqlDatabase):
            branches = []
            for event in events:
                body = ''.join(f'    {statement};\n' for statement in _event_sql(database, table, event))
                branches.append(f"  IF TG_OP = '{event.split()[0]}' THEN\n{body}  END IF;\n")
            found[_name(table)] = f'\nBEGIN\n{"".join(branches)}  RETURN NULL;\nEND\n'
        else:
            for event in events:
                body = ''.join(f'  {statement};\n' for statement in _event_sql(database, table, event))
                found[_name(table, event)] = (f'CREATE TRIGGER "{_name(table, event)}" AFTER {event} ON "{table}" '
                                              f'FOR EACH ROW\nBEGIN\n{body}END')
    return found


def installed(database):
    """What the database holds now, in the shape of :func:`definitions`."""
    if isinstance(database, PostgresqlDatabase):
        return dict(database.execute_sql("SELECT proname, prosrc FROM pg_proc WHERE proname LIKE %s",
                                         (PREFIX + '_%',)).fetchall())
    return dict(database.execute_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?",
                                     (PREFIX + '_%',)).fetchall())


def install(database):
    """Replace the triggers with today's (idempotent)."""
    uninstall(database)
    if isinstance(database, PostgresqlDatabase):
        for (table, events), (name, body) in zip(EVENTS.items(), definitions(database).items()):
            database.execute_sql(f'CREATE FUNCTION "{name}"() RETURNS trigger LANGUAGE plpgsql AS $${body}$$')
            database.execute_sql(f'CREATE TRIGGER "{name}" AFTER {" OR ".join(events)} ON "{table}" '
                                 f'FOR EACH ROW EXECUTE FUNCTION "{name}"()')
    else:
        for sql in definitions(database).values():
            database.execute_sql(sql)


def uninstall(database):
    if isinstance(database, PostgresqlDatabase):
        for table in EVENTS:
            database.execute_sql(f'DROP TRIGGER IF EXISTS "{_name(table)}" ON "{table}"')
            database.execute_sql(f'DROP FUNCTION IF EXISTS "{_name(table)}"()')
    else:
        for table, events in EVENTS.items():
            for event in events:
                database.execute_sql(f'DROP TRIGGER IF EXISTS "{_name(table, event)}"')


def refresh(database, employment_ids=None):
    """Recompute the summaries (of ``employment_ids``, or every employment's), adding missing rows:
    after installing the triggers, or to check them."""
    ref = SQL(f'"{EmploymentSummary._meta.table_name}"."employment_id"')
    missing = Employment.select(Employment.id).where(
        ~fn.EXISTS(EmploymentSummary.select(SQL('1')).where(EmploymentSummary.employment == Employment.id)))
    if employment_ids is not None:
        missing = missing.where(Employment.id.in_(list(employment_ids)))
    with database.atomic():
        EmploymentSummary.insert_from(missing, [EmploymentSummary.employment]).execute(database)
        query = EmploymentSummary.update({**_items(ref), **_educations(ref), **_accounts(ref)})
        if employment_ids is not None:
            query = query.where(EmploymentSummary.employment.in_(list(employment_ids)))
        query.execute(database)
