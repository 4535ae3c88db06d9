"""What the child's own history and the объединения allow a line to do, as sentences.

Each check returns the sentence naming the order, date or fact that blocks the line, or None.
"""
import datetime
from collections import Counter

from peewee import JOIN, fn

from compiled import compiled
from models import (ORDER_KINDS, WITHDRAWAL_REASONS, Association, Employment, Membership, Order, OrderLine,
                    Organisation, Person, Program, SchoolYear)
from services.common import age_on, ru_date
from services import russian


# Kinds that put a child into an объединение, and kinds that take a child out of one.
ENTERING = (Order.ENROLMENT, Order.TRANSFER, Order.NEXT_YEAR, Order.REPEAT)
LEAVING = (Order.WITHDRAWAL, Order.TRANSFER, Order.NEXT_YEAR, Order.REPEAT, Order.GRADUATION)
# «Ребёнок уже … приказом №14 от 12.05.2025».
KIND_PAST = {
    'enrolment': 'зачислен',
    'withdrawal': 'выбыл',
    'transfer': 'переведён',
    'next_year': 'переведён на следующий год',
    'repeat': 'оставлен на повторное обучение',
    'graduation': 'выпущен',
}


def order_title(order):
    return f'№{order.number or "б/н"} от {ru_date(order.document_date)}'


# --- The line's объединения and reason --------------------------------------------

def _route_problem(order, association_from, association_to, reason, destination):
    """What is wrong with a line's объединения and reason, whoever the child is."""
    kind, org_id = order.kind, order.organisation_id
    for association in (association_from, association_to):
        if association is not None and association.organisation_id != org_id:
            return 'Объединение не найдено в вашей организации.'
    if kind in ENTERING and association_to is None:
        return 'Выберите объединение, в которое зачисляется или переводится ребёнок.'
    if kind in LEAVING and association_from is None:
        return 'Выберите объединение, из которого выбывает или переводится ребёнок.'
    if kind == Order.WITHDRAWAL:
        if reason not in WITHDRAWAL_REASONS:
            return 'Выберите причину выбытия из списка.'
        if not destination:
            return 'Укажите, куда выбывает ребёнок (организация, город или «не известно»).'
    for association in (association_from, association_to):
        if association is not None and association.school_year.state == SchoolYear.CLOSED:
            return (f'Учебный год {association.school_year.title} закрыт: движение по '
                    f'«{association.name}» больше не проводится.')
    if association_to is not None:
        if association_to.program_id and association_to.program.archived:
            return (f'Программа «{association_to.program.name}» в архиве: в её объединения '
                    'больше не зачисляют и не переводят.')
    if kind in ENTERING and kind in LEAVING:
        return _transfer_problem(kind, association_from, association_to)
    return None


def route_problem(order, association_from, association_to, reason='', destination=''):
    """What is wrong with a line's объединения and reason for ``order``, whoever the child is
    (bulk orders of the school-year transition check their groups with it)."""
    return _route_problem(order, association_from, association_to, reason, destination)


def _transfer_problem(kind, source, target):
    if source.id == target.id:
        return 'Объединения «откуда» и «куда» совпадают. Выберите другое объединение.'
    if source.program_id is None or source.program_id != target.program_id:
        return ('Перевод возможен только внутри одной программы: '
                f'«{source.name}» — {_program_name(source)}, «{target.name}» — {_program_name(target)}.')
    if kind == Order.TRANSFER and source.school_year_id != target.school_year_id:
        return ('Перевод между объединениями проводится внутри одного учебного года; '
                'для перехода в следующий год выберите приказ «Перевод на следующий год».')
    if kind in (Order.NEXT_YEAR, Order.REPEAT) and target.school_year.start_year <= source.school_year.start_year:
        return (f'{ORDER_KINDS[kind]} ведёт в объединение следующего учебного года, а «{target.name}» '
                f'относится к {target.school_year.title} учебному году, как и «{source.name}». '
                'Сформируйте следующий год (Планирование → Учебный год) и выберите его объединение.')
    if kind == Order.NEXT_YEAR and target.study_year <= source.study_year:
        return ('Перевод на следующий год требует более высокого года обучения: '
                f'«{source.name}» — {source.study_year}-й год обучения, '
                f'«{target.name}» — {target.study_year}-й.')
    if kind == Order.REPEAT and target.study_year != source.study_year:
        return ('При оставлении на повторное обучение год обучения не меняется: '
                f'«{source.name}» — {source.study_year}-й год, «{target.name}» — {target.study_year}-й.')
    return None


def _program_name(association):
    return f'программа «{association.program.name}»' if association.program_id else 'без программы'


# --- The child's own history ------------------------------------------------------

def _by_order(line):
    return f'приказом {order_title(line.order)}'


IN_THIS_ORDER = 'ребёнок уже есть в этом приказе.'


def child_problems(order, lines, adding=True):
    """Per child, the sentence naming what forbids their line of ``order``; absent when nothing does.

    ``lines`` are the order's lines or proposed ones, with their объединения (``person``,
    ``association_from``, ``association_to``, ``age_confirmed``); with ``adding``, a line
    already in the order blocks.  The registry screens grey out ticks with it, adding to a draft
    and the commit refuse with it, so they never disagree.  See :func:`check_children`.
    """
    return check_children(order, lines, adding)[0]


def check_children(order, lines, adding=True):
    """(problems, age warnings): :func:`child_problems`, and per child whose line leads into a
    program outside their age the sentence asking for the confirmation (an unconfirmed line has
    it among the problems too).  At most six queries, whatever the number of children."""
    lines = list(lines)
    person_ids = sorted({line.person_id for line in lines})
    if not person_ids:
        return {}, {}
    facts = _facts(person_ids) if order.kind == Order.ENROLMENT else {}
    problems = _not_children(order, facts)
    warnings = {pid: sentence for pid, sentence in _age_warnings(order, lines, facts).items()
                if pid not in problems}
    if adding:
        for line in _lines_in_order(order.id, person_ids):
            problems.setdefault(line.person_id, IN_THIS_ORDER)
    associations = {a.id for line in lines for a in (line.association_from, line.association_to) if a}
    memberships = _memberships(person_ids, associations)
    later = {}
    if order.act_date is not None:
        for line in sorted(_lines_after(person_ids, order.organisation_id, order.act_date),
                           key=_movement_key):
            later[line.person_id] = line  # the last of them
    for line in lines:
        if line.person_id not in problems:
            problem = _history_problem(order, line, memberships, later.get(line.person_id))
            if problem:
                problems[line.person_id] = problem
    for line in lines:
        if line.person_id in warnings and not line.age_confirmed:
            problems.setdefault(line.person_id, warnings[line.person_id])
    return problems, warnings


def _history_problem(order, line, memberships, later):
    open_, left = memberships
    source, target = line.association_from, line.association_to
    if source is not None:
        membership = open_.get((line.person_id, source.id))
        if membership is None:
            return _not_in_association(left.get((line.person_id, source.id)), source)
        if order.act_date and order.act_date < membership.started_on:
            return (f'ребёнок занимается в «{source.name}» только с '
                    f'{ru_date(membership.started_on)}; дата движения не может быть раньше.')
    if target is not None and (line.person_id, target.id) in open_:
        return _already_in(open_[line.person_id, target.id], target)
    if later is not None:
        when = ru_date(later.moved_on or later.order.act_date)
        return (f'ребёнок уже {KIND_PAST[later.order.kind]} {_by_order(later)} '
                f'(дата движения {when}); движение нельзя датировать раньше {when}.')
    return None


def _memberships(person_ids, association_ids):
    """The children's memberships in these объединения with the line that started (open ones) or
    ended them: ({(child, объединение): open one}, {(child, объединение): the last one ended})."""
    memberships = _memberships_of(sorted(person_ids), sorted(association_ids)) if association_ids else []
    line_ids = {m.end_line_id if m.ended_on else m.start_line_id for m in memberships} - {None}
    lines = {line.id: line for line in _lines_with_orders(sorted(line_ids))} if line_ids else {}
    open_, left = {}, {}
    for m in sorted(memberships, key=lambda m: m.ended_on or datetime.date.min):
        m.line = lines.get(m.end_line_id if m.ended_on else m.start_line_id)
        (left if m.ended_on else open_)[m.person_id, m.association_id] = m
    return open_, left


@compiled
def _lines_in_order(order_id, person_ids):
    return OrderLine.select(OrderLine.person).where(OrderLine.order == order_id,
                                                    OrderLine.person.in_(person_ids))


@compiled
def _memberships_of(person_ids, association_ids):
    return (Membership.select(Membership.person, Membership.association, Membership.started_on,
                              Membership.ended_on, Membership.start_line, Membership.end_line)
            .where(Membership.person.in_(person_ids), Membership.association.in_(association_ids)))


@compiled
def _lines_with_orders(line_ids):
    return (OrderLine.select(OrderLine.id, Order.id, Order.kind, Order.number, Order.document_date)
            .join(Order).where(OrderLine.id.in_(line_ids)))


@compiled
def _lines_after(person_ids, organisation_id, day):
    """The children's committed movements in the organisation dated after ``day``."""
    moved_on = fn.COALESCE(OrderLine.moved_on, Order.act_date)
    return (OrderLine.select(OrderLine.id, OrderLine.person, OrderLine.moved_on, Order.id,
                             Order.kind, Order.number, Order.document_date, Order.act_date,
                             Order.committed_at)
            .join(Order)
            .where(OrderLine.person.in_(person_ids), Order.organisation == organisation_id,
                   Order.status == Order.COMMITTED, moved_on > day))


def _already_in(membership, association):
    if membership.line is not None:
        return (f'ребёнок уже занимается в «{association.name}»: '
                f'{KIND_PAST[membership.line.order.kind]} {_by_order(membership.line)}.')
    return f'ребёнок уже занимается в «{association.name}» с {ru_date(membership.started_on)}.'


def _not_in_association(left, association):
    if left is not None and left.line is not None:
        return (f'ребёнок уже {KIND_PAST[left.line.order.kind]} из «{association.name}» '
                f'{_by_order(left.line)}.')
    return f'ребёнок не занимается в объединении «{association.name}».'


def committed_lines(person_ids, organisation_id):
    """Committed movements of these children in one organisation, oldest first, by child id."""
    by_child = {}
    query = (OrderLine.select(OrderLine, Order).join(Order)
             .where(OrderLine.person.in_(list(person_ids)), Order.organisation == organisation_id,
                    Order.status == Order.COMMITTED))
    for line in query:
        by_child.setdefault(line.person_id, []).append(line)
    for lines in by_child.values():
        lines.sort(key=_movement_key)
    return by_child


def _movement_key(line):
    return (line.moved_on or line.order.act_date or datetime.date.min,
            line.order.committed_at or datetime.datetime.min, line.id)


# --- Who may be enrolled: never staff, children of 3–18, the program's ages ------------

CHILD_AGES = (3, 18)
AGE_CONFIRMATION = 'Зачислить вне возрастного диапазона программы'


def age_problem(order, birth, program=None):
    """What the child's age on the order's date (of the administrative act) says about
    enrolling them: (sentence, confirmable), or None when it fits or the order enrols nobody.

    Outside 3–18 refuses (not confirmable); outside ``program``'s range needs the
    administrator's «Зачислить вне возрастного диапазона программы».  The registry screens,
    the order page, the import and the commit all ask this function."""
    day = order.act_date or order.document_date
    if order.kind != Order.ENROLMENT or day is None or birth is None:
        return None
    age = age_on(_as_date(birth), day)
    said = f'возраст на {ru_date(day)} — {russian.count(age, "год")}'
    youngest, oldest = CHILD_AGES
    if not youngest <= age <= oldest:
        return (f'{said}: в объединения зачисляют детей от {youngest} до {oldest} лет — '
                'проверьте дату рождения.', False)
    if program is not None and not program.age_from <= age <= program.age_to:
        return (f'{said}, а программа «{program.name}» — для детей {program.age_from}–'
                f'{program.age_to} лет: зачислить можно, только отметив «{AGE_CONFIRMATION}».', True)
    return None


def not_children(order, person_ids):
    """Who of these people an enrolment ``order`` can never take, whatever the объединение:
    staff, and anyone outside 3–18 on the order's date.  Person id → the sentence.  One query;
    the selection guard keeps no tick of theirs and ``child_problems`` refuses them."""
    facts = _facts(person_ids)
    return _not_children(order, facts)


def _not_children(order, facts):
    if order.kind != Order.ENROLMENT:
        return {}
    problems = {pid: _staff_sentence(place) for pid, (_, staff, place) in facts.items() if staff}
    for pid, (birth, staff, _) in facts.items():
        found = None if staff else age_problem(order, birth)
        if found:
            problems[pid] = found[0]
    return problems


def _staff_sentence(place):
    return (f'работает в организации{f" «{place}»" if place else ""} — сотрудников '
            'нельзя зачислять как учащихся.')


def _facts(person_ids):
    """Person id → (birth date, works in an organisation, where they work now if anywhere)."""
    if not person_ids:
        return {}
    facts = {}
    for row in sorted(_people_facts(sorted(set(person_ids))), key=lambda row: not row.employed):
        if row.id not in facts:
            facts[row.id] = (_as_date(row.birth_date), bool(row.is_staff),
                             row.short_name if row.is_staff else None)
    return facts


def _as_date(value):
    if isinstance(value, str):  # SQLite hands dates back as text in tuple queries
        return datetime.date.fromisoformat(value[:10])
    return value


@compiled
def _people_facts(person_ids):
    works = (Employment.person == Person.id) & (Person.is_staff == True)  # noqa: E712
    return (Person.select(Person.id, Person.birth_date, Person.is_staff, Organisation.short_name,
                          Employment.dismissed_on.is_null().alias('employed'))
            .join(Employment, JOIN.LEFT_OUTER, on=works)
            .join(Organisation, JOIN.LEFT_OUTER, on=(Employment.organisation == Organisation.id))
            .where(Person.id.in_(person_ids))
            .namedtuples())


def staff_among(person_ids):
    """Which of these people work in an organisation (``is_staff``): the registry screens never
    offer them and an enrolment order refuses them.  Person id → the sentence saying where."""
    return {pid: _staff_sentence(place)
            for pid, (_, staff, place) in _facts(person_ids).items() if staff}


def _age_warnings(order, lines, facts):
    """Per child whose line leads into a program they are too young or too old for, the
    sentence (whether or not the line carries the confirmation).  One query for the programs."""
    if order.kind != Order.ENROLMENT:
        return {}
    program_ids = sorted({line.association_to.program_id for line in lines
                          if line.association_to is not None and line.association_to.program_id})
    programs = {p.id: p for p in _programs(program_ids)} if program_ids else {}
    warnings = {}
    for line in lines:
        target = line.association_to
        program = programs.get(target.program_id) if target is not None else None
        birth = facts.get(line.person_id, (None,))[0]
        found = age_problem(order, birth, program) if program is not None else None
        if found and found[1]:
            warnings[line.person_id] = found[0]
    return warnings


@compiled
def _programs(program_ids):
    return Program.select(Program.id, Program.name, Program.age_from, Program.age_to).where(
        Program.id.in_(program_ids))


# --- Capacity ---------------------------------------------------------------------

def capacity_problems(order):
    """Sentences for each объединение this order would fill beyond its capacity."""
    if order.kind not in ENTERING:
        return []
    lines = list(OrderLine.select(OrderLine.association_to, OrderLine.association_from)
                 .where(OrderLine.order == order))
    entering = Counter(line.association_to_id for line in lines)
    leaving = Counter(line.association_from_id for line in lines)
    problems = []
    for association in Association.select().where(Association.id.in_(list(entering))).order_by(Association.name):
        taken = (Membership.select().where(Membership.association == association,
                                           Membership.ended_on.is_null()).count())
        after = taken - leaving[association.id] + entering[association.id]
        if after > association.capacity:
            over = after - association.capacity
            problems.append(
                f'В объединении «{association.name}» {russian.count(association.capacity, "место")}, '
                f'занято {taken}, в приказе {russian.count(entering[association.id], "ученик")}: '
                f'не хватает мест для {russian.count(over, "ребёнок", "gent")}. '
                'Увеличьте наполняемость объединения или уберите лишних учащихся из приказа — '
                'иначе приказ не будет проведён.')
    return problems
