"""The school-year transition of one organisation: its steps, forming the next year, the bulk
orders of the current year, the future year's checks, opening the new year.

Each step is one transaction and can be run again: forming copies only what is not copied yet
(``Association.copied_from``), a bulk order reuses its open draft (``Order.year_step``) and
skips the children already in it, opening does nothing twice.
"""
import datetime
import re
from dataclasses import dataclass, field

from peewee import JOIN, IntegrityError, fn

from models import (Association, Employment, Membership, Order, OrderLine, Person, Program,
                    SchoolYear, WITHDRAWAL_REASONS, db, utcnow)
from services import russian
from services.common import Refused, STALE, locked, ru_date, write_transaction
from services.movement.rules import LEAVING, _route_problem, capacity_problems, check_children
from services.years.calendar import Calendar, too_early

NOT_STARTED, RUNNING, DONE, LATE = 'not_started', 'running', 'done', 'late'
STATES = {NOT_STARTED: 'не начат', RUNNING: 'выполняется', DONE: 'выполнен', LATE: 'просрочен'}
BULK = 'bulk'
# The orders built in bulk from the current объединения, and what each needs of a line.
BULK_KINDS = {
    Order.NEXT_YEAR: 'Перевод на следующий год',
    Order.GRADUATION: 'Выпуск',
    Order.REPEAT: 'Оставление на повторное обучение',
    Order.WITHDRAWAL: 'Выбытие',
}
TARGETED = (Order.NEXT_YEAR, Order.REPEAT)
RULES = {'at_least_one': 'не меньше одного объединения на программу',
         'exactly_one': 'ровно одно объединение на программу'}


# --- The organisation's years -------------------------------------------------------

@dataclass
class Years:
    current: SchoolYear = None
    future: SchoolYear = None
    closed: SchoolYear = None  # the latest closed one

    @property
    def calendar(self):
        return self._calendar

    @classmethod
    def of(cls, organisation):
        years = cls()
        for year in (SchoolYear.select().where(SchoolYear.organisation == organisation)
                     .order_by(SchoolYear.start_year)):
            setattr(years, year.state, year)
        region = organisation.region
        start = years.current.start_year + 1 if years.current else (
            years.closed.start_year + 1 if years.closed else 0)
        years._calendar = Calendar.of(region, start) if start else None
        return years


def _no_current(organisation):
    return Refused('У организации нет текущего учебного года: переход не к чему применить. '
                   'Обратитесь в техподдержку.')


# --- Step 1: who will not work next year --------------------------------------------

@dataclass
class StaffRow:
    employment: Employment
    next_year: list  # names of the объединения the employee leads next year


def staff_next_year(organisation, years):
    """Active staff with the объединения they lead next year: the future year's when it is
    formed, else the current ones that forming would copy (two queries)."""
    staff = list(Employment.select(Employment, Person).join(Person)
                 .where(Employment.organisation == organisation, Employment.dismissed_on.is_null())
                 .order_by(Person.surname_key, Person.name_key))
    if years.future is not None:
        query = (Association.select(Association.teacher, Association.name)
                 .where(Association.school_year == years.future))
    elif years.current is not None:
        query = (Association.select(Association.teacher, Association.study_year, Association.name)
                 .join(Program)
                 .where(Association.school_year == years.current, Program.archived == False,  # noqa: E712
                        Association.study_year < Program.duration_years))
    else:
        query = []
    leads = {}
    for association in query:
        leads.setdefault(association.teacher_id, []).append(association.name)
    return [StaffRow(e, sorted(leads.get(e.id, []))) for e in staff]


def mark_staff_checked(organisation):
    """«Список проверен»: the first step is done (marking it again changes nothing)."""
    with write_transaction():
        years = Years.of(organisation)
        if years.current is None:
            raise _no_current(organisation)
        (SchoolYear.update(staff_checked_at=utcnow())
         .where(SchoolYear.id == years.current.id, SchoolYear.staff_checked_at.is_null()).execute())


# --- Step 2: «Формирование следующего года» ---------------------------------------

def next_name(name, study_year):
    """«1а Бисер» in its next год обучения: «2а Бисер»; a name without the leading number keeps
    it and says the year."""
    if re.match(r'^\d+', name):
        return re.sub(r'^\d+', str(study_year), name, count=1)
    return f'{name} ({study_year}-й год)'


@dataclass
class Formed:
    year: SchoolYear
    copied: int
    new_groups: int
    created_year: bool


def forming_problem(organisation, years, today):
    if years.current is None:
        return _no_current(organisation).messages[0]
    return too_early(years.calendar.next_year_from,
                     f'Формирование {years.calendar.following} учебного года', today)


def form_next_year(organisation, today, first_year_programs=()):
    """Create the future year (once) and copy into it the current объединения of the active
    programs: год обучения +1 where the program lasts longer, teachers kept unless dismissed;
    a new first-year group for each program of ``first_year_programs``.  One transaction; run
    again, it copies only what is missing."""
    with write_transaction():
        years = Years.of(organisation)
        problem = forming_problem(organisation, years, today)
        if problem:
            raise Refused(problem)
        current, future, created = years.current, years.future, False
        if future is None:
            future = SchoolYear.create(
                organisation=organisation, start_year=current.start_year + 1,
                state=SchoolYear.FUTURE, starts_on=_a_year_on(current.starts_on),
                ends_on=_a_year_on(current.ends_on))
            created = True
        sources = list(Association.select(Association, Program).join(Program)
                       .where(Association.school_year == current, Association.kind == 'association',
                              Program.archived == False)  # noqa: E712
                       .order_by(Association.study_year, Association.name))
        existing = list(Association.select(Association.id, Association.name, Association.program,
                                           Association.study_year, Association.copied_from)
                        .where(Association.school_year == future))
        working = {e for (e,) in Employment.select(Employment.id).where(
            Employment.organisation == organisation, Employment.dismissed_on.is_null()).tuples()}
        taken = {a.name for a in existing}
        copied = {(a.copied_from_id, a.study_year) for a in existing}
        with_first_year = {a.program_id for a in existing if a.study_year == 1}
        rows = []

        def add(source, program, study_year, name):
            name = _free_name(name, taken)
            taken.add(name)
            rows.append({'organisation': organisation.id, 'school_year': future.id,
                         'program': program.id, 'kind': 'association', 'name': name,
                         'study_year': study_year, 'capacity': source.capacity if source else 15,
                         'teacher': source.teacher_id if source and source.teacher_id in working else None,
                         'copied_from': source.id if source else None})

        for source in sources:
            program = source.program
            if source.study_year < program.duration_years and (source.id, source.study_year + 1) not in copied:
                add(source, program, source.study_year + 1, next_name(source.name, source.study_year + 1))
        wanted = {int(p) for p in first_year_programs}
        firsts = {}
        for source in sources:
            if source.study_year == 1:
                firsts.setdefault(source.program_id, source)
        programs = {s.program_id: s.program for s in sources}
        for program in Program.select().where(Program.organisation == organisation,
                                              Program.id.in_(sorted(wanted - set(programs)))):
            programs[program.id] = program
        new_groups = 0
        for program_id in sorted(wanted & set(programs)):
            program = programs[program_id]
            if program.archived or program_id in with_first_year:
                continue
            model = firsts.get(program_id)
            name = model.name if model else f'1а {program.name}'
            if model is not None and (model.id, 1) in copied:
                continue
            add(model, program, 1, name)
            new_groups += 1
        for start in range(0, len(rows), 500):
            Association.insert_many(rows[start:start + 500]).execute()
    return Formed(future, len(rows) - new_groups, new_groups, created)


def _a_year_on(day):
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _free_name(name, taken):
    name = name[:255]
    if name not in taken:
        return name
    for number in range(2, 1000):
        candidate = f'{name[:248]} ({number})'
        if candidate not in taken:
            return candidate
    raise Refused('Не удалось подобрать название объединения: переименуйте объединения будущего года.')


# --- Step 3: orders of the current year, previewed ---------------------------------

@dataclass
class PreviewChild:
    person: Person
    ticked: bool
    draft: Order = None  # the open draft already taking the child out of this объединение


@dataclass
class PreviewGroup:
    association: Association
    targets: list            # future объединения the line may lead to
    target: Association = None
    children: list = field(default_factory=list)
    problem: str = ''        # why nobody of this group can be in the order

    @property
    def offered(self):
        return [c for c in self.children if c.draft is None]


def _current_associations(current):
    return list(Association.select(Association, Program, SchoolYear)
                .join_from(Association, Program, JOIN.LEFT_OUTER)
                .join_from(Association, SchoolYear)
                .where(Association.school_year == current, Association.kind == 'association')
                .order_by(Association.study_year, Association.name))


def _future_associations(future):
    if future is None:
        return []
    return list(Association.select(Association, Program, SchoolYear)
                .join_from(Association, Program, JOIN.LEFT_OUTER)
                .join_from(Association, SchoolYear)
                .where(Association.school_year == future, Association.kind == 'association')
                .order_by(Association.study_year, Association.name))


def _open_members(current):
    """Open memberships of the current year's объединения with their children (one query)."""
    return list(Membership.select(Membership.id, Membership.association, Person.id, Person.surname,
                                  Person.name, Person.patronymic, Person.birth_date,
                                  Person.surname_key, Person.name_key)
                .join_from(Membership, Person)
                .join_from(Membership, Association)
                .where(Association.school_year == current, Membership.ended_on.is_null())
                .order_by(Person.surname_key, Person.name_key, Person.id))


def _drafts_taking_out(current):
    """(child, объединение) → the open draft order whose line takes them out of it (one query)."""
    found = {}
    for line in (OrderLine.select(OrderLine.person, OrderLine.association_from, Order)
                 .join(Order)
                 .where(Order.school_year == current, Order.status == Order.DRAFT,
                        Order.kind.in_(LEAVING), OrderLine.association_from.is_null(False))):
        found[line.person_id, line.association_from_id] = line.order
    return found


def _pairing(kind, source, futures):
    """The future объединения a line from ``source`` may lead to, the usual one first."""
    if kind not in TARGETED or source.program_id is None:
        return []
    study_year = source.study_year + 1 if kind == Order.NEXT_YEAR else source.study_year
    fitting = [a for a in futures if a.program_id == source.program_id and a.study_year == study_year]
    fitting.sort(key=lambda a: (a.copied_from_id != source.id, a.name))
    return fitting


def _offered_by_default(kind, association):
    program = association.program if association.program_id else None
    if kind == Order.NEXT_YEAR:
        return program is not None and association.study_year < program.duration_years
    if kind == Order.GRADUATION:
        return program is None or association.study_year >= program.duration_years
    return False  # repeat and withdrawal: the administrator chooses the children


def preview(organisation, kind, association_id=None, child_id=None):
    """The groups of a bulk order before anything is written: per current объединение its
    children (ticked as the order would take them), its future объединение, what blocks it.
    ``association_id`` (and ``child_id``): only that объединение (ticking only that child).
    Five queries, whatever the number of children and объединения."""
    if kind not in BULK_KINDS:
        raise Refused('Выберите вид приказа: перевод на следующий год, выпуск, оставление на '
                      'повторное обучение или выбытие.')
    years = Years.of(organisation)
    if years.current is None:
        raise _no_current(organisation)
    if kind in TARGETED and years.future is None:
        raise Refused(f'Сначала сформируйте {years.calendar.following} учебный год: переводить '
                      'детей пока некуда.')
    futures = _future_associations(years.future)
    members = {}
    for membership in _open_members(years.current):
        members.setdefault(membership.association_id, []).append(membership.person)
    drafts = _drafts_taking_out(years.current)
    groups = []
    for association in _current_associations(years.current):
        if association_id is not None and association.id != association_id:
            continue
        if association_id is None and not _offered_by_default(kind, association):
            if kind in (Order.NEXT_YEAR, Order.GRADUATION):
                continue
        targets = _pairing(kind, association, futures)
        group = PreviewGroup(association, targets, targets[0] if targets else None)
        if kind in TARGETED and not targets:
            year = association.study_year + (1 if kind == Order.NEXT_YEAR else 0)
            group.problem = (f'В {years.calendar.following} учебном году нет объединения '
                             f'{year}-го года обучения по программе «{_program_of(association)}»: '
                             'добавьте его в список будущего года.')
        ticked_by_default = kind in (Order.NEXT_YEAR, Order.GRADUATION) and child_id is None
        for person in members.get(association.id, []):
            draft = drafts.get((person.id, association.id))
            ticked = draft is None and not group.problem and (
                ticked_by_default or person.id == child_id)
            group.children.append(PreviewChild(person, ticked, draft))
        if group.children or association_id is not None:
            groups.append(group)
    return groups


def _program_of(association):
    return association.program.name if association.program_id else association.name


@dataclass
class BulkResult:
    order: Order
    added: int
    refusals: list
    warnings: list
    reused: bool


def create_bulk_order(organisation, user_id, kind, header, choices, reason='', destination='',
                      today=None):
    """One draft order of ``kind`` in the current year with a line per chosen child.

    ``choices``: {current объединение id: (future объединение id or None, [child ids])}.  The
    transition's open draft of this kind is reused (its header kept) and children already in
    it are passed over, so sending the same preview twice writes nothing twice.  One
    transaction: a failure leaves no order and no line.  Each line is checked by the movement
    rules (``services.movement``); a refused child is named, not written."""
    if kind not in BULK_KINDS:
        raise Refused('Выберите вид приказа из списка.')
    destination = re.sub(r'\s+', ' ', destination or '').strip()[:500]
    if kind == Order.WITHDRAWAL and reason not in WITHDRAWAL_REASONS:
        raise Refused('Выберите причину выбытия из списка.')
    if kind == Order.WITHDRAWAL and not destination:
        raise Refused('Укажите, куда выбывают дети (организация, город или «не известно»).')
    wanted = {a: (t, list(dict.fromkeys(c))) for a, (t, c) in choices.items() if c}
    if not wanted:
        raise Refused('Не отмечено ни одного ребёнка: отметьте детей, которых включить в приказ.')
    from services.movement.orders import _header_problems
    try:
        with write_transaction():
            years = Years.of(organisation)
            if years.current is None:
                raise _no_current(organisation)
            order = (locked(Order.select().where(
                Order.organisation == organisation, Order.school_year == years.current,
                Order.kind == kind, Order.status == Order.DRAFT, Order.year_step == BULK)
                .order_by(Order.id.desc())).first())
            reused = order is not None
            if order is None:
                problems = _header_problems(organisation, years.current, header['number'],
                                            header['document_date'], header['act_date'])
                if problems:
                    raise Refused(*problems)
                order = Order.create(organisation=organisation, school_year=years.current,
                                     kind=kind, number=header['number'],
                                     document_date=header['document_date'],
                                     act_date=header['act_date'], basis=header.get('basis', ''),
                                     created_by=user_id, year_step=BULK)
            order.school_year = years.current
            associations = {a.id: a for a in _current_associations(years.current)
                            + _future_associations(years.future)}
            lines, refusals = [], []
            for source_id, (target_id, person_ids) in sorted(wanted.items()):
                source = associations.get(source_id)
                target = associations.get(target_id) if kind in TARGETED else None
                if source is None or source.school_year_id != years.current.id:
                    refusals.append('Объединение не найдено в текущем году вашей организации.')
                    continue
                if kind in TARGETED and (target is None or target.school_year_id != years.future.id):
                    refusals.append(f'«{source.name}»: выберите объединение '
                                    f'{years.calendar.following} учебного года, куда переводятся дети.')
                    continue
                problem = _route_problem(order, source, target, reason, destination)
                if problem:
                    refusals.append(f'«{source.name}»: {problem}')
                    continue
                lines.extend(OrderLine(order=order, person=pid, association_from=source,
                                       association_to=target, moved_on=order.act_date,
                                       reason=reason if kind == Order.WITHDRAWAL else '',
                                       destination=destination if kind == Order.WITHDRAWAL else '')
                             for pid in person_ids)
            problems, _ = check_children(order, lines)
            names = {p.id: p.full_name for p in Person.select(
                Person.id, Person.surname, Person.name, Person.patronymic)
                .where(Person.id.in_(sorted({line.person_id for line in lines})))} if lines else {}
            fresh = []
            for line in lines:
                problem = problems.get(line.person_id)
                if problem is None:
                    fresh.append(line)
                elif problem != 'ребёнок уже есть в этом приказе.':
                    refusals.append(f'{names.get(line.person_id, "Ребёнок")}: {problem}')
            OrderLine.bulk_create(fresh, batch_size=500)
            if not reused and not fresh:
                raise Refused(*(refusals or ['Никого из отмеченных детей нельзя включить в приказ.']))
    except IntegrityError:
        raise Refused(STALE) from None
    warnings = capacity_problems(order) if kind in TARGETED and fresh else []
    return BulkResult(order, len(fresh), refusals, warnings, reused)


# --- Step 4: the future year's checks ----------------------------------------------

def future_checks(organisation, years):
    """Sentences naming what is wrong with the future year's объединения (empty: all is well)."""
    if years.future is None:
        return []
    rule = organisation.region.associations_per_program
    active = list(Program.select().where(Program.organisation == organisation,
                                         Program.archived == False).order_by(Program.name))  # noqa: E712
    futures = list(Association.select(Association, Program, Employment)
                   .join_from(Association, Program, JOIN.LEFT_OUTER)
                   .join_from(Association, Employment, JOIN.LEFT_OUTER)
                   .where(Association.school_year == years.future, Association.kind == 'association')
                   .order_by(Association.name))
    per_program = {}
    for association in futures:
        per_program.setdefault(association.program_id, []).append(association)
    problems = []
    for program in active:
        count = len(per_program.get(program.id, []))
        if count == 0:
            problems.append(f'Программа «{program.name}»: в {years.future.title} учебном году нет ни '
                            'одного объединения — добавьте объединение или перенесите программу в архив.')
        elif rule == 'exactly_one' and count > 1:
            problems.append(f'Программа «{program.name}»: {russian.count(count, "объединение")} в '
                            f'{years.future.title} учебном году, а регион требует ровно одно на '
                            'программу — объедините или удалите лишние.')
    for association in futures:
        program = association.program if association.program_id else None
        if program is not None and program.archived:
            problems.append(f'«{association.name}»: программа «{program.name}» в архиве — удалите '
                            'объединение из будущего года.')
        if association.teacher_id is None:
            problems.append(f'«{association.name}»: не назначен педагог.')
        elif association.teacher.dismissed_on is not None:
            problems.append(f'«{association.name}»: педагог уволен '
                            f'{ru_date(association.teacher.dismissed_on)} — назначьте другого.')
    return problems


# --- Step 5: «Открыть новый учебный год» -------------------------------------------

@dataclass
class Uncovered:
    association: Association
    children: list  # PreviewChild: ``draft`` is the order to commit, None when no order has them


def uncovered(organisation, years):
    """The children with an open membership in the current year, by объединение: each blocks
    opening until a committed order (transfer, graduation, repeat, withdrawal) takes them out.
    Four queries."""
    if years.current is None:
        return []
    drafts = _drafts_taking_out(years.current)
    by_association = {}
    for membership in _open_members(years.current):
        by_association.setdefault(membership.association_id, []).append(membership.person)
    found = []
    for association in _current_associations(years.current):
        if association.id in by_association:
            found.append(Uncovered(association, [
                PreviewChild(p, False, drafts.get((p.id, association.id)))
                for p in by_association[association.id]]))
    return found


def opening_problems(organisation, years, today):
    """Why the new year cannot be opened now, as sentences (empty: it can)."""
    if years.current is None:
        return [_no_current(organisation).messages[0]]
    early = too_early(years.calendar.open_year_from,
                      f'Открытие {years.calendar.following} учебного года', today)
    if early:
        return [early]
    if years.future is None:
        return [f'{years.calendar.following} учебный год ещё не сформирован: сначала выполните '
                '«Формирование следующего года».']
    problems = []
    left = uncovered(organisation, years)
    if left:
        count = sum(len(group.children) for group in left)
        problems.append(f'{russian.count(count, "ребёнок")} ещё не {"охвачен" if count == 1 else "охвачены"} '
                        f'приказами в {years.current.title} учебном году: переведите, выпустите, '
                        'оставьте на повторное обучение или отчислите их — список ниже.')
    problems.extend(future_checks(organisation, years))
    return problems


def open_year(organisation, today):
    """Make the future year current and close the old one, in one transaction; the open
    movement period, if the organisation set one, moves to the new year."""
    with write_transaction():
        years = Years.of(organisation)
        closed = years.closed
        if (years.future is None and years.current is not None and closed is not None
                and closed.start_year == years.current.start_year - 1
                and today < years.calendar.next_year_from):
            raise Refused(f'{years.current.title} учебный год уже открыт: {closed.title} закрыт '
                          f'{ru_date(closed.closed_at.date()) if closed.closed_at else ""}.'.replace(' .', '.'))
        problems = opening_problems(organisation, years, today)
        if problems:
            raise Refused(*problems)
        old, new = years.current, years.future
        locked(SchoolYear.select().where(SchoolYear.id.in_([old.id, new.id]))).execute()
        (SchoolYear.update(state=SchoolYear.CLOSED, closed_at=utcnow())
         .where(SchoolYear.id == old.id, SchoolYear.state == SchoolYear.CURRENT).execute())
        (SchoolYear.update(state=SchoolYear.CURRENT)
         .where(SchoolYear.id == new.id, SchoolYear.state == SchoolYear.FUTURE).execute())
        if organisation.movement_period_start or organisation.movement_period_end:
            type(organisation).update(movement_period_start=new.starts_on,
                                      movement_period_end=new.ends_on,
                                      version=type(organisation).version + 1).where(
                type(organisation).id == organisation.id).execute()
    return SchoolYear.get_by_id(new.id)


# --- The page of steps ------------------------------------------------------------

@dataclass
class Step:
    key: str
    title: str
    state: str
    gate: datetime.date = None   # from when it can be done
    blockers: list = field(default_factory=list)
    detail: str = ''

    @property
    def state_label(self):
        return STATES[self.state]


def _late_or(state, calendar, today):
    return LATE if state != DONE and calendar.late(today) else state


def steps_of(organisation, today, years=None):
    """The transition's five steps with their states, gates and blockers."""
    years = years or Years.of(organisation)
    if years.current is None:
        return []
    calendar = years.calendar
    left = uncovered(organisation, years) if years.future is not None else None
    checks = future_checks(organisation, years)
    bulk_orders = Order.select().where(Order.school_year == years.current,
                                       Order.year_step == BULK).exists()
    staff_state = DONE if years.current.staff_checked_at else NOT_STARTED
    form_state = DONE if years.future is not None else NOT_STARTED
    if years.future is None:
        orders_state = NOT_STARTED
    elif not left:
        orders_state = DONE
    else:
        orders_state = RUNNING if bulk_orders else NOT_STARTED
    checks_state = NOT_STARTED if years.future is None else (DONE if not checks else RUNNING)
    steps = [
        Step('staff', 'Уволить сотрудников, не работающих в новом учебном году',
             _late_or(staff_state, calendar, today)),
        Step('form', f'Формирование следующего, {calendar.following} учебного года',
             _late_or(form_state, calendar, today), calendar.next_year_from,
             [p for p in [forming_problem(organisation, years, today)] if p and form_state != DONE]),
        Step('orders', f'Приказы {years.current.title} учебного года: перевод, выпуск, оставление',
             _late_or(orders_state, calendar, today), calendar.next_year_from,
             [] if years.future is not None else ['Сначала сформируйте следующий год.'],
             f'Не охвачено приказами: {russian.count(sum(len(g.children) for g in left), "ребёнок")}.'
             if left else ''),
        Step('checks', f'Проверка {calendar.following} учебного года', _late_or(checks_state, calendar, today),
             calendar.next_year_from,
             checks if years.future is not None else ['Сначала сформируйте следующий год.']),
        Step('open', f'Открыть {calendar.following} учебный год и закрыть {years.current.title}',
             _late_or(NOT_STARTED, calendar, today), calendar.open_year_from,
             opening_problems(organisation, years, today)),
    ]
    return steps
