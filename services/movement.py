"""Orders (приказы) and the movement book (книга движения учащихся), as plain functions.

Every change of a child's status is a line of a numbered order.  A draft order collects
lines; committing applies all of them to memberships in one transaction.  A wrong order is
deleted, never reversed, and only a child's last movement can be deleted.  Every refusal is
a sentence naming the order or fact that blocks the action.

The database holds what it can: one open membership per child and объединение (a partial
unique index), one order number per organisation and year, one line per child and order.
Check-then-write sections run in ``write_transaction()``: SQLite takes its write lock at
BEGIN, PostgreSQL locks the rows involved, so concurrent attempts queue instead of racing.
"""
import datetime
import re
from collections import Counter
from dataclasses import dataclass, field

from peewee import JOIN, IntegrityError, fn

from compiled import compiled
from models import (ORDER_KINDS, WITHDRAWAL_REASONS, Association, Employment, ImportJob, Membership,
                    Order, OrderLine, Organisation, Person, SchoolYear, db, utcnow)
from services.common import (STALE, Refused, locked, parse_date, parse_int, ru_date, save_versioned,
                             write_transaction)
from services.registry import documents
from keys import name_key, prefix_upper_bound

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
BOOK_PAGE_SIZE = 50


# --- Small shared pieces -------------------------------------------------------

def order_title(order):
    return f'№{order.number or "б/н"} от {ru_date(order.document_date)}'


def current_school_year(organisation):
    return (SchoolYear.select()
            .where(SchoolYear.organisation == organisation, SchoolYear.state == 'current')
            .first())


# --- The open movement period --------------------------------------------------

def movement_period(organisation):
    """(start, end) of the period in which orders may be dated: the setting, else the current year."""
    start, end = organisation.movement_period_start, organisation.movement_period_end
    if start is None and end is None:
        year = current_school_year(organisation)
        if year is not None:
            return year.starts_on, year.ends_on
    return start, end


def describe_period(period):
    start, end = period
    if start and end:
        return f'с {ru_date(start)} по {ru_date(end)}'
    if start:
        return f'с {ru_date(start)}'
    if end:
        return f'по {ru_date(end)}'
    return 'без ограничений'


def outside_period(period, day, what):
    """The sentence refusing ``day`` when it falls outside the period, else None."""
    start, end = period
    if day is None or (start is None or day >= start) and (end is None or day <= end):
        return None
    return (f'{what} {ru_date(day)} вне открытого периода движения ({describe_period(period)}). '
            'Укажите дату внутри периода или попросите администратора изменить период.')


def set_movement_period(organisation, version, start, end):
    if start and end and start > end:
        raise Refused('Начало периода движения позже его конца. Проверьте даты.')
    return save_versioned(organisation, version, movement_period_start=start,
                          movement_period_end=end)


# --- Order headers -------------------------------------------------------------

def parse_order_header(form, with_kind=True):
    """Read kind, number and the two dates from a form; returns (values, errors by field)."""
    values, errors = {}, {}
    if with_kind:
        values['kind'] = form.get('kind', '')
        if values['kind'] not in ORDER_KINDS:
            errors['kind'] = 'Выберите вид приказа из списка.'
    values['number'] = re.sub(r'\s+', ' ', form.get('number', '')).strip()
    if not values['number']:
        errors['number'] = 'Укажите номер приказа.'
    elif len(values['number']) > 32:
        errors['number'] = 'Номер приказа — не длиннее 32 знаков.'
    for name, label in (('document_date', 'дату приказа'),
                        ('act_date', 'дату распорядительного акта')):
        values[name] = parse_date(form.get(name))
        if values[name] is None:
            errors[name] = f'Укажите {label} в виде ДД.ММ.ГГГГ.'
    if not errors.keys() & {'document_date', 'act_date'} and values['act_date'] > values['document_date']:
        errors['act_date'] = (f'Дата распорядительного акта ({ru_date(values["act_date"])}) не может '
                              f'быть позже даты приказа ({ru_date(values["document_date"])}).')
    return values, errors


def _header_problems(organisation, school_year, number, document_date, act_date, order_id=None):
    problems = []
    period = movement_period(organisation)
    for day, what in ((document_date, 'Дата приказа'), (act_date, 'Дата распорядительного акта')):
        problem = outside_period(period, day, what)
        if problem:
            problems.append(problem)
    clash = _number_clash(organisation, school_year, number, order_id)
    if clash:
        problems.append(clash)
    return problems


def _number_clash(organisation, school_year, number, order_id=None):
    query = Order.select().where(Order.organisation == organisation,
                                 Order.school_year == school_year, Order.number == number)
    if order_id is not None:
        query = query.where(Order.id != order_id)
    other = query.first()
    if other is None:
        return None
    return (f'Приказ №{number} уже есть в {school_year.title} учебном году '
            f'({other.kind_label.lower()}, от {ru_date(other.document_date)}). Укажите другой номер.')


def create_draft(organisation, school_year, user, kind, number, document_date, act_date):
    """A new draft order; Refused when the number is taken or a date is outside the period."""
    if school_year is None:
        raise Refused('У организации нет текущего учебного года: приказ не к чему отнести.')
    problems = _header_problems(organisation, school_year, number, document_date, act_date)
    if problems:
        raise Refused(*problems)
    try:
        with db.atomic():
            return Order.create(organisation=organisation, school_year=school_year, kind=kind,
                                number=number, document_date=document_date, act_date=act_date,
                                created_by=user)
    except IntegrityError:
        raise Refused(_number_clash(organisation, school_year, number) or STALE) from None


def update_draft(order, version, number, document_date, act_date):
    """Change a draft's number and dates (lines follow the act date); stale forms are refused."""
    if order.status != 'draft':
        raise Refused(f'Приказ {order_title(order)} уже проведён; изменить его нельзя. '
                      'Если он ошибочен, удалите его и создайте новый.')
    problems = _header_problems(order.organisation, order.school_year, number, document_date,
                                act_date, order.id)
    if problems:
        raise Refused(*problems)
    try:
        with db.atomic():
            save_versioned(order, version, number=number, document_date=document_date,
                           act_date=act_date)
            OrderLine.update(moved_on=act_date).where(OrderLine.order == order).execute()
    except IntegrityError:
        raise Refused(_number_clash(order.organisation, order.school_year, number, order.id)
                      or STALE) from None
    return order


# --- Lines: what a line may do, and what it does --------------------------------

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


def person_keys(person):
    """The child's surname key and gender as subqueries: a membership carries them, so the pool
    and other organisations' lists filter and count on the membership row alone."""
    return {name: Person.select(getattr(Person, name)).where(Person.id == person)
            for name in ('surname_key', 'gender')}


def _apply(order, line):
    day = order.act_date
    if order.kind in LEAVING:
        (Membership.update(ended_on=day, end_line=line, end_kind=order.kind,
                           end_reason=line.reason, destination=line.destination)
         .where(Membership.person == line.person_id,
                Membership.association == line.association_from_id,
                Membership.ended_on.is_null()).execute())
    if order.kind in ENTERING:
        Membership.insert(person=line.person_id, association=line.association_to_id,
                          organisation=order.organisation_id, started_on=day, start_line=line,
                          **person_keys(line.person_id)).execute()


def _undo(order, line):
    if order.kind in ENTERING:
        started = Membership.delete().where(Membership.start_line == line.id).execute()
        if not started:  # a membership loaded without a link to its line
            (Membership.delete().where(Membership.person == line.person_id,
                                       Membership.association == line.association_to_id,
                                       Membership.ended_on.is_null()).execute())
    if order.kind in LEAVING:
        (Membership.update(ended_on=None, end_line=None, end_kind='', end_reason='', destination='')
         .where(Membership.end_line == line.id).execute())


# --- Staff are never children ---------------------------------------------------

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


# --- The draft order API (the four ways of adding children call this) -----------

@dataclass
class AddResult:
    added: list = field(default_factory=list)      # person ids now in the order
    refusals: dict = field(default_factory=dict)   # person id → sentence naming the block
    warnings: list = field(default_factory=list)   # sentences that do not block (capacity)


def add_children_to_draft(order, person_ids, association_to=None, *, association_from=None,
                          reason='', destination=''):
    """Put children into a draft order; each child either gets a line or a refusal.

    ``association_to`` is where an enrolment or transfer leads; ``association_from`` is where
    a withdrawal, graduation or transfer starts.  Refused (whole call) when the order is not a
    draft or the объединения themselves do not fit the order's kind.
    """
    if order.status != 'draft':
        raise Refused(f'Приказ {order_title(order)} уже проведён: добавить в него учеников нельзя. '
                      'Создайте новый приказ.')
    destination = re.sub(r'\s+', ' ', destination or '').strip()[:500]
    reason = reason if order.kind == 'withdrawal' else ''
    if order.kind != 'withdrawal':
        destination = ''
    if order.kind not in ENTERING:
        association_to = None
    if order.kind not in LEAVING:
        association_from = None
    problem = _route_problem(order, association_from, association_to, reason, destination)
    if problem:
        raise Refused(problem)
    result = AddResult()
    people = {p.id: p for p in Person.select().where(Person.id.in_(list(person_ids)))}
    staff = {}
    if order.kind == 'enrolment':
        staff = staff_among([p.id for p in people.values() if p.is_staff])
    for person_id in dict.fromkeys(person_ids):
        person = people.get(person_id)
        if person is None:
            result.refusals[person_id] = 'Ребёнок не найден в регистре.'
            continue
        refusal = staff.get(person_id) or _add_line(order, person, association_from,
                                                    association_to, reason, destination)
        if refusal:
            result.refusals[person_id] = f'{person.full_name}: {refusal}'
        else:
            result.added.append(person_id)
    if association_to is not None:
        result.warnings.extend(capacity_problems(order))
    return result


def _add_line(order, person, association_from, association_to, reason, destination):
    try:
        with write_transaction():
            if OrderLine.select().where(OrderLine.order == order, OrderLine.person == person).exists():
                return 'ребёнок уже есть в этом приказе.'
            problem = _child_problem(order, person, association_from, association_to, order.act_date)
            if problem:
                return problem
            OrderLine.create(order=order, person=person, association_from=association_from,
                             association_to=association_to, moved_on=order.act_date,
                             reason=reason, destination=destination)
    except IntegrityError:
        return 'ребёнок уже есть в этом приказе.'
    return None


def remove_from_draft(order, line):
    if order.status != 'draft':
        raise Refused(f'Приказ {order_title(order)} уже проведён; учащегося из него можно только '
                      'удалить как движение.')
    OrderLine.delete().where(OrderLine.id == line.id, OrderLine.order == order).execute()


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


def commit_order(order, user=None, version=None):
    """Apply every line of a draft in one transaction, or refuse naming each block."""
    try:
        with write_transaction():
            current = _lock_order(order)
            if current.status != 'draft':
                raise Refused(f'Приказ {order_title(current)} уже проведён.')
            if version is not None and current.version != version:
                raise Refused(STALE)
            problems = _header_problems(current.organisation, current.school_year, current.number,
                                        current.document_date, current.act_date, current.id)
            problems.extend(_import_writing_into(current))
            lines = _lines_for_update(current)
            if not lines:
                problems.append('В приказе нет учащихся. Добавьте учеников в приказ и проведите его снова.')
            staff = staff_among([line.person_id for line in lines if line.person.is_staff]
                                if current.kind == 'enrolment' else [])
            for line in lines:
                problem = staff.get(line.person_id) or _child_problem(
                    current, line.person, line.association_from, line.association_to, current.act_date)
                if problem:
                    problems.append(f'{line.person.full_name}: {problem}')
            problems.extend(capacity_problems(current))
            if problems:
                raise Refused(*problems)
            for line in lines:
                line.moved_on = current.act_date
                line.save(only=[OrderLine.moved_on])
                _apply(current, line)
            (Order.update(status='committed', committed_at=utcnow(), version=Order.version + 1)
             .where(Order.id == current.id).execute())
    except IntegrityError:
        raise Refused(*_explain_conflict(order)) from None
    return Order.get_by_id(order.id)


IMPORT_WRITING = ('commit_queued', 'committing', 'undoing', 'cancelling')


def _import_writing_into(order):
    """An import still writing children into the draft (or taking them out again) blocks its commit."""
    job = (ImportJob.select(ImportJob.file_name)
           .where(ImportJob.order == order.id, ImportJob.status.in_(IMPORT_WRITING)).first())
    if job is None:
        return []
    return [f'Приказ {order_title(order)} нельзя провести: в него идёт импорт «{job.file_name}». '
            'Дождитесь окончания импорта или отмените его, затем проведите приказ.']


def _lock_order(order):
    current = locked(Order.select().where(Order.id == order.id)).first()
    if current is None:
        raise Refused('Приказ уже удалён.')
    return current


def _lines_for_update(order):
    """The order's lines with their children and объединения; children and объединения are locked."""
    lines = list(OrderLine.select().where(OrderLine.order == order).order_by(OrderLine.id))
    person_ids = sorted({line.person_id for line in lines})
    association_ids = sorted({a for line in lines
                              for a in (line.association_from_id, line.association_to_id) if a})
    people = {p.id: p for p in locked(Person.select().where(Person.id.in_(person_ids))
                                       .order_by(Person.id))}
    associations = {a.id: a for a in locked(Association.select()
                                             .where(Association.id.in_(association_ids))
                                             .order_by(Association.id))}
    for line in lines:
        line.person = people[line.person_id]
        line.association_from = associations.get(line.association_from_id)
        line.association_to = associations.get(line.association_to_id)
    return sorted(lines, key=lambda line: (line.person.surname_key, line.person.name_key))


def _explain_conflict(order):
    """After the database refused a write: name what is already there."""
    messages = []
    for line in OrderLine.select().where(OrderLine.order == order.id):
        if line.association_to_id is None:
            continue
        membership = (Membership.select().where(Membership.person == line.person_id,
                                                Membership.association == line.association_to_id,
                                                Membership.ended_on.is_null()).first())
        if membership is not None:
            messages.append(f'{line.person.full_name}: {_already_in(membership, line.association_to)}')
    return messages or ['Данные изменились, пока проводился приказ. Обновите страницу и повторите.']


# --- Deleting orders and movements ----------------------------------------------

def deletion_problems(order, lines=None):
    """Why the order (or some of its lines) cannot be deleted now; empty when it can."""
    if order.status == 'draft':
        return []
    problems = []
    period = movement_period(order.organisation)
    if outside_period(period, order.act_date, 'Дата') or outside_period(period, order.document_date, 'Дата'):
        problems.append(f'Приказ {order_title(order)} вне открытого периода движения '
                        f'({describe_period(period)}); удалить его нельзя.')
    lines = list(lines if lines is not None else order_lines(order))
    history = committed_lines({line.person_id for line in lines}, order.organisation_id)
    for line in lines:
        theirs = history.get(line.person_id, [])
        later = theirs[-1] if theirs and theirs[-1].id != line.id else None
        if later is not None:
            problems.append(
                f'{line.person.full_name}: это не последнее движение ребёнка — он уже '
                f'{KIND_PAST[later.order.kind]} {_by_order(later)}. Удалить можно только последнее '
                f'движение: сначала удалите приказ №{later.order.number}.')
    return problems


def delete_order(order):
    """Delete a draft, or a committed order whose every line is its child's last movement."""
    try:
        with write_transaction():
            current = _lock_order(order)
            lines = _lines_for_update(current)
            problems = deletion_problems(current, lines)
            if problems:
                raise Refused(*problems)
            if current.status == 'committed':
                for line in lines:
                    _undo(current, line)
            OrderLine.delete().where(OrderLine.order == current).execute()
            current.delete_instance()
    except IntegrityError:
        raise Refused('Удаление приказа нарушило бы данные другого движения. '
                      'Обновите страницу и проверьте историю учащихся.') from None


def delete_movement(order, line):
    """Delete one committed line (the child's last movement); an emptied order goes too.

    Returns True when the order itself was deleted.
    """
    try:
        with write_transaction():
            current = _lock_order(order)
            lines = [ln for ln in _lines_for_update(current) if ln.id == line.id]
            if not lines:
                raise Refused('Это движение уже удалено.')
            problems = deletion_problems(current, lines)
            if problems:
                raise Refused(*problems)
            _undo(current, lines[0])
            lines[0].delete_instance()
            if not OrderLine.select().where(OrderLine.order == current).exists():
                current.delete_instance()
                return True
    except IntegrityError:
        raise Refused('Удаление движения нарушило бы данные другого движения. '
                      'Обновите страницу и проверьте историю ребёнка.') from None
    return False


# --- Reading the book ----------------------------------------------------------

def _line_query():
    source, target = Association.alias(), Association.alias()
    return (OrderLine.select(OrderLine, Order, Person, source, target)
            .join_from(OrderLine, Order)
            .join_from(OrderLine, Person)
            .join_from(OrderLine, source, JOIN.LEFT_OUTER, on=OrderLine.association_from,
                       attr='association_from')
            .join_from(OrderLine, target, JOIN.LEFT_OUTER, on=OrderLine.association_to,
                       attr='association_to'))


def parse_book_filters(args, organisation):
    """Allow-listed filters from query arguments."""
    filters = {'kind': args.get('kind', ''), 'date_from': parse_date(args.get('date_from')),
               'date_to': parse_date(args.get('date_to')), 'association': None,
               'child': re.sub(r'\s+', ' ', args.get('child', '')).strip()[:100],
               'page': max(parse_int(args.get('page')) or 1, 1)}
    if filters['kind'] not in ORDER_KINDS:
        filters['kind'] = ''
    association_id = parse_int(args.get('association'))
    if association_id:
        filters['association'] = Association.get_or_none(
            (Association.id == association_id) & (Association.organisation == organisation))
    return filters


def book_lines(organisation, filters, newest_first=True):
    """Committed movements of the organisation matching the filters (an unevaluated query)."""
    day = fn.COALESCE(OrderLine.moved_on, Order.act_date)
    query = _line_query().where(Order.organisation == organisation, Order.status == 'committed')
    if filters.get('kind'):
        query = query.where(Order.kind == filters['kind'])
    if filters.get('date_from'):
        query = query.where(day >= filters['date_from'])
    if filters.get('date_to'):
        query = query.where(day <= filters['date_to'])
    if filters.get('association') is not None:
        association_id = filters['association'].id
        query = query.where((OrderLine.association_from == association_id)
                            | (OrderLine.association_to == association_id))
    if filters.get('child'):
        query = query.where(_name_matches(filters['child']))
    if newest_first:
        return query.order_by(day.desc(), Order.committed_at.desc(), OrderLine.id.desc())
    return query.order_by(day, Order.committed_at, OrderLine.id)


def _name_matches(text):
    """'Иван', 'ивАнов пётр' → surname (and name) prefixes, ё and case ignored."""
    parts = name_key(text).split(' ')
    condition = (Person.surname_key >= parts[0]) & (Person.surname_key < prefix_upper_bound(parts[0]))
    if len(parts) > 1 and parts[1]:
        condition &= (Person.name_key >= parts[1]) & (Person.name_key < prefix_upper_bound(parts[1]))
    return condition


def orders_of(organisation, kind='', status=''):
    query = (Order.select(Order, fn.COUNT(OrderLine.id).alias('line_count'))
             .join(OrderLine, JOIN.LEFT_OUTER)
             .where(Order.organisation == organisation)
             .group_by(Order.id))
    if kind in ORDER_KINDS:
        query = query.where(Order.kind == kind)
    if status in ('draft', 'committed'):
        query = query.where(Order.status == status)
    return query.order_by(Order.status.desc(), Order.document_date.desc(), Order.id.desc())


def order_lines(order):
    return (_line_query().where(OrderLine.order == order)
            .order_by(Person.surname_key, Person.name_key, Person.patronymic_key))


def child_history(person, region):
    """The child's committed movements in every organisation of the region, oldest first."""
    source, target = Association.alias(), Association.alias()
    return (OrderLine.select(OrderLine, Order, Organisation, source, target)
            .join_from(OrderLine, Order).join_from(Order, Organisation)
            .join_from(OrderLine, source, JOIN.LEFT_OUTER, on=OrderLine.association_from,
                       attr='association_from')
            .join_from(OrderLine, target, JOIN.LEFT_OUTER, on=OrderLine.association_to,
                       attr='association_to')
            .where(OrderLine.person == person, Order.status == 'committed',
                   Organisation.region == region)
            .order_by(fn.COALESCE(OrderLine.moved_on, Order.act_date), Order.committed_at,
                      OrderLine.id))


def current_memberships(person, region):
    return (Membership.select(Membership, Association, Organisation)
            .join_from(Membership, Association).join_from(Membership, Organisation)
            .where(Membership.person == person, Membership.ended_on.is_null(),
                   Organisation.region == region)
            .order_by(Organisation.short_name, Association.name))


def known_to(person_ids, organisation):
    """Which of these children the organisation has taught or put into one of its orders."""
    person_ids = list(person_ids)
    members = (Membership.select(Membership.person)
               .where(Membership.organisation == organisation, Membership.person.in_(person_ids)))
    lined = (OrderLine.select(OrderLine.person).join(Order)
             .where(Order.organisation == organisation, OrderLine.person.in_(person_ids)))
    return {row.person_id for row in members} | {row.person_id for row in lined}


def children_of(organisation, text='', limit=50):
    """Children who have been in the organisation's объединения, by surname."""
    known = Membership.select(Membership.person).where(Membership.organisation == organisation)
    query = Person.select().where(Person.id.in_(known))
    if text:
        query = query.where(_name_matches(text))
    return query.order_by(Person.surname_key, Person.name_key, Person.birth_date).limit(limit)


def members_of(association):
    return (Person.select(Person, Membership.started_on)
            .join(Membership, on=(Membership.person == Person.id))
            .where(Membership.association == association, Membership.ended_on.is_null())
            .order_by(Person.surname_key, Person.name_key))


# --- A new child, minimal (the registry ways come with enrolment) -----------------

def parse_new_child(form, today=None):
    """ФИО, дата рождения, пол → (values, errors by field, warnings)."""
    today = today or datetime.date.today()
    values, errors, warnings = {}, {}, []
    for name, label, required in (('surname', 'Фамилия', True), ('name', 'Имя', True),
                                  ('patronymic', 'Отчество', False)):
        value = documents.normalise_name(form.get(name, ''))[:100]
        values[name] = value
        if not value:
            if required:
                errors[name] = f'Заполните поле «{label}».'
        elif documents.latin_lookalikes(value):
            letters = ', '.join(sorted(set(documents.latin_lookalikes(value))))
            errors[name] = (f'В поле «{label}» латинские буквы ({letters}) среди русских. '
                            'Наберите их в русской раскладке.')
        elif not documents.is_valid_name(value):
            errors[name] = (f'«{label}» пишется русскими буквами с заглавной, '
                            'допустимы дефис, апостроф и пробел.')
    values['no_patronymic'] = bool(form.get('no_patronymic'))
    if not values['patronymic'] and not values['no_patronymic'] and 'patronymic' not in errors:
        errors['patronymic'] = 'Заполните отчество или отметьте «Нет отчества».'
    values['birth_date'] = parse_date(form.get('birth_date'))
    if values['birth_date'] is None:
        errors['birth_date'] = 'Укажите дату рождения в виде ДД.ММ.ГГГГ.'
    elif values['birth_date'] >= today:
        errors['birth_date'] = 'Дата рождения должна быть в прошлом.'
    else:
        age = _age(values['birth_date'], today)
        if not 3 <= age <= 18:
            warnings.append(f'Ребёнку {age} {_years_word(age)} — проверьте дату рождения.')
    values['gender'] = form.get('gender', '')
    if values['gender'] not in ('M', 'F'):
        errors['gender'] = 'Выберите пол.'
    return values, errors, warnings


def _years_word(n):
    if n % 10 == 1 and n % 100 != 11:
        return 'год'
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return 'года'
    return 'лет'


def _age(birth, today):
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
