"""Steps 4 and 5 of the transition: the future year's checks, «Открыть новый учебный год», and
the page of steps with each one's state."""
import datetime
from dataclasses import dataclass, field

from peewee import JOIN

from models import Association, Employment, Order, Program, SchoolYear, utcnow
from services import russian
from services.common import Refused, locked, ru_date, write_transaction
from services.years.bulk import (PreviewChild, _current_associations, _drafts_taking_out,
                                 _open_members)
from services.years.calendar import too_early
from services.years.transition import (BULK, DONE, LATE, NOT_STARTED, RUNNING, STATES, Years,
                                       _no_current, forming_problem)

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
