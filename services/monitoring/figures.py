"""The organisations a management body oversees and their current figures.

A municipality's body oversees the organisations naming it as their authority; the regional body
every educational organisation of its region, grouped by municipality.  Figures are tenths of a
percent (services.fill); each row is built from three aggregated reads, whatever the count.
"""
import re
from dataclasses import dataclass, field

from peewee import JOIN

from models import ORGANISATION_KINDS, Municipality, Organisation, db
from services import card, oversight, staff, years
from services.fill import LEVELS, level_of, percent_label
from services.monitoring.totals import total_of

# The columns of every monitoring table, in order: code → heading.  A new figure (the year
# transition's step) is one more entry here and one more value in Row.figures.
FIGURES = {
    'card': 'Карточка ОО',
    'staff': 'Карточки сотрудников',
    'portfolio': 'Портфолио сотрудников',
    'esia': 'Связь сотрудников с ЕСИА',
}
# The year transition's step is a column too, but not a percentage: it has no total, snapshot or trend.
YEAR = 'Переход на новый год'
STEP_ORDER = ('none', 'staff', 'form', 'orders', 'open', 'done')  # how far, for sorting
SORTS = ('name', *FIGURES, 'year')
# Above this many organisations the table opens on the municipalities' totals and lists one
# municipality's organisations at a time (?municipality=): nobody reads 20,000 rows in a browser.
LIST_LIMIT = 2000
YEAR_FILTERS = {'late': 'опаздывают', 'done': 'новый год открыт', 'going': 'ещё идут'}
LEVEL_FILTERS = tuple(LEVELS)
KINDS_SHOWN = ('odo', 'school', 'kindergarten', 'college')  # the module is about ОДО: they come first


@dataclass
class Row:
    """One organisation (or a total) in a monitoring table."""
    id: int
    name: str
    kind: str
    municipality_id: int
    municipality: str
    staff: int
    figures: dict = field(default_factory=dict)  # code → tenths (None: not counted that day)
    year: object = None  # services.years.Progress of the transition (current rows only)
    count: int = 0  # a total's organisations

    @property
    def kind_label(self):
        return ORGANISATION_KINDS.get(self.kind, self.kind)

    def level(self, code):
        value = self.figures.get(code)
        return None if value is None else level_of(value)

    def cells(self):
        """(heading, level or None, «79,9 % · низкий») of each figure, for tables of many rows."""
        return [(heading, *shown(self.figures.get(code))) for code, heading in FIGURES.items()]

    def year_cell(self):
        """(css class, «Открытие нового года · просрочен») of the transition, '' without it: late is
        red and says so, a year opened green, the rest plain."""
        if self.year is None:
            return '', '—'  # a school or kindergarten: no transition kept here
        text = f'{self.year.step_title} · {self.year.state_label}'
        if self.year.late:
            return 'low', text
        return ('high' if self.year.step == 'done' else ''), text

    @property
    def year_rank(self):
        return (STEP_ORDER.index(self.year.step), not self.year.late) if self.year else (-1, True)

    def year_is(self, which):
        if self.year is None:
            return False
        if which == 'late':
            return self.year.late
        if which == 'done':
            return self.year.step == 'done'
        return self.year.step not in ('done', 'none')


def shown(tenths):
    """(level, text) of a figure as every table shows it; (None, «нет данных») when not counted."""
    if tenths is None:
        return None, 'нет данных'
    level = level_of(tenths)
    return level, f'{percent_label(tenths)} · {LEVELS[level]}'


def figure_label(tenths):
    return '—' if tenths is None else percent_label(tenths)


def scope_of(body):
    """A query of the organisations ``body`` oversees (id, names, kind, municipality): services.oversight."""
    return _columns().where(oversight.condition(body))


def region_scope(region_id):
    """Every educational organisation of the region (what the regional body and snapshots see)."""
    return _columns().where(oversight.in_region(region_id))


def _columns():
    return (Organisation.select(Organisation.id, Organisation.short_name, Organisation.name_key,
                                 Organisation.kind, Organisation.municipality, Municipality.name)
             .join(Municipality, on=(Organisation.municipality == Municipality.id), join_type=JOIN.LEFT_OUTER))


def in_scope(body, organisation_id):
    """True when ``body`` oversees organisation ``organisation_id`` (services.oversight)."""
    return oversight.oversees(body, organisation_id)


def organisation_in_scope(body, organisation_id):
    """The organisation if ``body`` oversees it, else None (its pages answer 404)."""
    if not in_scope(body, organisation_id):
        return None
    return Organisation.get_by_id(organisation_id)


def rows_of(query):
    """Rows (without figures) of a scope query, in its order."""
    # The driver's tuples: 20,000 rows of ids and names need no converters.
    return [Row(oid, name, kind, municipality_id, municipality or 'Без муниципалитета', 0)
            for oid, name, _, kind, municipality_id, municipality in db.execute_sql(*query.sql()).fetchall()]


def current_rows(body, day, transition=True):
    """Every overseen organisation with its figures today (computed live); with ``transition``
    also the year transition's step of each."""
    scope = scope_of(body)
    rows = with_figures(rows_of(scope), day, scope.select(Organisation.id))
    return with_transition(rows, day) if transition else rows


def with_transition(rows, day):
    """``rows`` with the year transition's progress of each ОДО (services.years.progress_of)."""
    found = years.progress_of([row.id for row in rows if row.kind in oversight.TRANSITION_KINDS], day)
    for row in rows:
        row.year = found.get(row.id)
    return rows


def with_figures(rows, day, among=None):
    """``rows`` with their figures on ``day``: the card's, the staff cards', the portfolios' and
    the ЕСИА link's, each summed in the database (one query per region for the cards, one per 20,000
    organisations for the staff)."""
    ids = [row.id for row in rows]
    cards = card.filled_of(ids, among)
    people = staff.organisation_figures(ids, day, among)  # among: the scope as a query, not 20,000 ids
    for row in rows:
        figures = people[row.id]
        row.staff = figures.staff
        # Without a single current card there is nothing to count, not «100 %»: shown as no data.
        counted = figures.staff > 0
        row.figures = {'card': cards[row.id].tenths,
                       'staff': figures.card.tenths if counted else None,
                       'portfolio': figures.portfolio.tenths if counted else None,
                       'esia': figures.esia.tenths if counted else None}
    return rows


# --- What the table shows: sort, filters, groups -------------------------------------------

@dataclass
class View:
    sort: str = 'name'
    descending: bool = False
    kind: str = ''
    level: str = ''
    of: str = 'card'  # the figure the level filter reads
    year: str = ''  # the transition filter: YEAR_FILTERS
    municipality: int = None  # the one municipality listed (None: all)

    def args(self, **changes):
        """The query arguments of this view with ``changes`` (for links and forms)."""
        values = {'sort': self.sort, 'order': 'desc' if self.descending else 'asc', 'kind': self.kind,
                  'level': self.level, 'of': self.of, 'year': self.year,
                  'municipality': self.municipality}
        values.update(changes)
        return {key: value for key, value in values.items() if value and not
                (key, value) in (('sort', 'name'), ('order', 'asc'), ('of', 'card'))}


def parse_view(args):
    """The table's sort and filters from query arguments, each through an allow-list."""
    sort = args.get('sort', 'name')
    kind = args.get('kind', '')
    level = args.get('level', '')
    of = args.get('of', 'card')
    year = args.get('year', '')
    municipality = args.get('municipality', '')
    return View(municipality=int(municipality) if municipality.isdigit() and len(municipality) < 10 else None,
                year=year if year in YEAR_FILTERS else '', sort=sort if sort in SORTS else 'name', descending=args.get('order') == 'desc',
                kind=kind if kind in KINDS_SHOWN else '', level=level if level in LEVEL_FILTERS else '',
                of=of if of in FIGURES else 'card')


def _natural(text):
    return [(0, int(part), '') if part.isdigit() else (1, 0, part) for part in re.split(r'(\d+)', text.casefold())]


def _ordered(rows, view):
    rank = {kind: n for n, kind in enumerate(KINDS_SHOWN)}
    by_name = sorted(rows, key=lambda r: (rank.get(r.kind, len(rank)), _natural(r.name)))
    if view.sort == 'name':
        return list(reversed(by_name)) if view.descending else by_name
    if view.sort == 'year':
        return sorted(by_name, key=lambda r: r.year_rank, reverse=view.descending)
    missing_last = -1 if view.descending else 1001  # a figure not counted goes to the end either way
    return sorted(by_name, key=lambda r: (r.figures.get(view.sort) if r.figures.get(view.sort) is not None
                                          else missing_last), reverse=view.descending)


def view_of(rows, view, method):
    """(groups, region total): groups are (municipality name, its rows sorted and filtered, its
    total over all its organisations); the total of the whole scope last.  Totals count every
    organisation, whatever the filters show."""
    groups, shown = {}, {}
    if view.municipality is not None and not any(row.municipality_id == view.municipality for row in rows):
        view.municipality = None  # not one of the body's: everything
    for row in rows:
        groups.setdefault((row.municipality, row.municipality_id), []).append(row)
        if (not view.kind or row.kind == view.kind) and (not view.level or row.level(view.of) == view.level) \
                and (not view.year or row.year_is(view.year)):
            shown.setdefault(row.municipality_id, []).append(row)
    result = []
    for (name, municipality_id), members in sorted(groups.items(), key=lambda item: _natural(item[0][0])):
        if view.municipality is not None and municipality_id != view.municipality:
            continue
        visible = shown.get(municipality_id, [])
        result.append((Row(municipality_id or 0, name, '', municipality_id, name,
                           sum(r.staff for r in members), total_of(members, method)),
                       _ordered(visible, view)))
        result[-1][0].count = len(members)
    total = Row(0, 'Итого', '', None, '', sum(r.staff for r in rows), total_of(rows, method))
    return result, total
