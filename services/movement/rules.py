"""What the child's own history and the объединения allow a line to do, as sentences.

Each check returns the sentence naming the order, date or fact that blocks the line, or None.
"""
import datetime
from collections import Counter

from peewee import JOIN

from compiled import compiled
from models import (WITHDRAWAL_REASONS, Association, Employment, Membership, Order, OrderLine,
                    Organisation, Person)
from services.common import ru_date


# Kinds that put a child into an объединение, and kinds that take a child out of one.
ENTERING = ('enrolment', 'transfer', 'next_year', 'repeat')
LEAVING = ('withdrawal', 'transfer', 'next_year', 'repeat', 'graduation')
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
    if kind == 'withdrawal':
        if reason not in WITHDRAWAL_REASONS:
            return 'Выберите причину выбытия из списка.'
        if not destination:
            return 'Укажите, куда выбывает ребёнок (организация, город или «не известно»).'
    for association in (association_from, association_to):
        if association is not None and association.school_year.state == 'closed':
            return (f'Учебный год {association.school_year.title} закрыт: движение по '
                    f'«{association.name}» больше не проводится.')
    if association_to is not None:
        if association_to.program_id and association_to.program.archived:
            return (f'Программа «{association_to.program.name}» в архиве: в её объединения '
                    'больше не зачисляют и не переводят.')
    if kind in ENTERING and kind in LEAVING:
        return _transfer_problem(kind, association_from, association_to)
    return None


def _transfer_problem(kind, source, target):
    if source.id == target.id:
        return 'Объединения «откуда» и «куда» совпадают. Выберите другое объединение.'
    if source.program_id is None or source.program_id != target.program_id:
        return ('Перевод возможен только внутри одной программы: '
                f'«{source.name}» — {_program_name(source)}, «{target.name}» — {_program_name(target)}.')
    if kind == 'transfer' and source.school_year_id != target.school_year_id:
        return ('Перевод между объединениями проводится внутри одного учебного года; '
                'для перехода в следующий год выберите приказ «Перевод на следующий год».')
    if kind in ('next_year', 'repeat') and target.school_year.start_year < source.school_year.start_year:
        return (f'«{target.name}» относится к более раннему учебному году '
                f'({target.school_year.title}), чем «{source.name}».')
    if kind == 'next_year' and target.study_year <= source.study_year:
        return ('Перевод на следующий год требует более высокого года обучения: '
                f'«{source.name}» — {source.study_year}-й год обучения, '
                f'«{target.name}» — {target.study_year}-й.')
    if kind == 'repeat' and target.study_year != source.study_year:
        return ('При оставлении на повторное обучение год обучения не меняется: '
                f'«{source.name}» — {source.study_year}-й год, «{target.name}» — {target.study_year}-й.')
    return None


def _program_name(association):
    return f'программа «{association.program.name}»' if association.program_id else 'без программы'


# --- The child's own history ------------------------------------------------------

def _by_order(line):
    return f'приказом {order_title(line.order)}'


def _child_problem(order, person, association_from, association_to, moved_on):
    """What in the child's own history forbids the line, named by order or date; else None."""
    kind = order.kind
    if kind in LEAVING:
        membership = (Membership.select().where(Membership.person == person,
                                                Membership.association == association_from,
                                                Membership.ended_on.is_null()).first())
        if membership is None:
            return _not_in_association(person, association_from)
        if moved_on and moved_on < membership.started_on:
            return (f'ребёнок занимается в «{association_from.name}» только с '
                    f'{ru_date(membership.started_on)}; дата движения не может быть раньше.')
    if kind in ENTERING:
        membership = (Membership.select(Membership, OrderLine, Order)
                      .join(OrderLine, JOIN.LEFT_OUTER, on=Membership.start_line)
                      .join(Order, JOIN.LEFT_OUTER)
                      .where(Membership.person == person, Membership.association == association_to,
                             Membership.ended_on.is_null()).first())
        if membership is not None:
            return _already_in(membership, association_to)
    if moved_on:
        later = latest_movement(person, order.organisation_id, after=moved_on)
        if later is not None:
            when = ru_date(later.moved_on or later.order.act_date)
            return (f'ребёнок уже {KIND_PAST[later.order.kind]} {_by_order(later)} '
                    f'(дата движения {when}); движение нельзя датировать раньше {when}.')
    return None


def _already_in(membership, association):
    line = membership.start_line if membership.start_line_id else None
    if line is not None and line.order_id:
        return (f'ребёнок уже занимается в «{association.name}»: '
                f'{KIND_PAST[line.order.kind]} {_by_order(line)}.')
    return f'ребёнок уже занимается в «{association.name}» с {ru_date(membership.started_on)}.'


def _not_in_association(person, association):
    left = (Membership.select().where(Membership.person == person,
                                      Membership.association == association,
                                      Membership.ended_on.is_null(False))
            .order_by(Membership.ended_on.desc()).first())
    if left is not None and left.end_line_id:
        line = left.end_line
        return (f'ребёнок уже {KIND_PAST[line.order.kind]} из «{association.name}» '
                f'{_by_order(line)}.')
    return f'ребёнок не занимается в объединении «{association.name}».'


def committed_lines(person_ids, organisation_id):
    """Committed movements of these children in one organisation, oldest first, by child id."""
    by_child = {}
    query = (OrderLine.select(OrderLine, Order).join(Order)
             .where(OrderLine.person.in_(list(person_ids)), Order.organisation == organisation_id,
                    Order.status == 'committed'))
    for line in query:
        by_child.setdefault(line.person_id, []).append(line)
    for lines in by_child.values():
        lines.sort(key=_movement_key)
    return by_child


def _movement_key(line):
    return (line.moved_on or line.order.act_date or datetime.date.min,
            line.order.committed_at or datetime.datetime.min, line.id)


def latest_movement(person, organisation_id, after=None):
    """The child's last committed movement here (dated after ``after``, when given)."""
    person_id = getattr(person, 'id', person)
    lines = committed_lines([person_id], organisation_id).get(person_id, [])
    if after is not None:
        lines = [line for line in lines if (line.moved_on or line.order.act_date) > after]
    return lines[-1] if lines else None


# --- Staff are never children -----------------------------------------------------

def staff_among(person_ids):
    """Which of these people work in an organisation (``is_staff``): the registry screens never
    offer them and an enrolment order refuses them.  Person id → the sentence saying where."""
    if not person_ids:
        return {}
    places = {}
    for row in sorted(_staff_places(sorted(set(person_ids))), key=lambda row: not row.current):
        places.setdefault(row.id, row.short_name)  # where they work now, if anywhere
    return {person_id: f'работает в организации{f" «{name}»" if name else ""} — сотрудников '
                       'нельзя зачислять как учащихся.' for person_id, name in places.items()}


@compiled
def _staff_places(person_ids):
    return (Person.select(Person.id, Organisation.short_name,
                          Employment.dismissed_on.is_null().alias('current'))
            .join(Employment, JOIN.LEFT_OUTER, on=(Employment.person == Person.id))
            .join(Organisation, JOIN.LEFT_OUTER, on=(Employment.organisation == Organisation.id))
            .where(Person.id.in_(person_ids), Person.is_staff == True)  # noqa: E712
            .namedtuples())


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
                f'В объединении «{association.name}» {association.capacity} мест, занято {taken}, '
                f'в приказе {entering[association.id]}: не хватает мест для {over}. '
                'Увеличьте наполняемость объединения или уберите лишних учащихся из приказа — '
                'иначе приказ не будет проведён.')
    return problems
