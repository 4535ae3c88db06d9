"""Orders (приказы): drafts, their header and lines, commit and deletion.

A draft order collects lines; committing applies all of them to memberships in one
transaction.  A wrong order is deleted, never reversed, and only a child's last movement can
be deleted.  Check-then-write sections run in ``write_transaction()``: SQLite takes its write
lock at BEGIN, PostgreSQL locks the rows involved, so concurrent attempts queue instead of racing.
"""
import re
from dataclasses import dataclass, field

from peewee import IntegrityError

from models import (ORDER_KINDS, Association, ImportJob, Membership, Order, OrderLine, Person, db,
                    utcnow)
from services.common import (STALE, Refused, locked, parse_date, ru_date, save_versioned,
                             write_transaction)
from services.movement.book import order_lines
from services.movement.period import (closed_year_refusal, describe_period, movement_period,
                                      outside_period)
from services.movement.rules import (ENTERING, KIND_PAST, LEAVING, _already_in, _by_order,
                                     _memberships, _route_problem, capacity_problems,
                                     check_children, child_problems, committed_lines, order_title)


# --- Order headers ----------------------------------------------------------------

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
    values['basis'] = re.sub(r'\s+', ' ', form.get('basis', '')).strip()
    if len(values['basis']) > 1000:
        errors['basis'] = 'Основание — не длиннее 1000 знаков.'
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
    closed = closed_year_refusal(school_year)
    if closed:
        return [closed]
    problems = []
    period = movement_period(organisation, school_year)
    for day, what in ((document_date, 'Дата приказа'), (act_date, 'Дата распорядительного акта')):
        problem = outside_period(period, day, what)
        if problem:
            problems.append(problem)
    clash = _number_clash(organisation, school_year, number, order_id)
    if clash:
        problems.append(clash)
    return problems


def header_problems(organisation, school_year, number, document_date, act_date):
    """Why a new order with this header cannot be made: closed year, dates outside the period,
    a number taken (the transition's bulk orders create their drafts with it)."""
    return _header_problems(organisation, school_year, number, document_date, act_date)


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


def suggested_number(organisation, school_year):
    """The number a new order of the year would take: the highest number + 1.

    A number's first run of digits counts («12-к» is 12; in «2026/15» the year is passed over),
    and the suggestion keeps what stands around it («13-к»); numbers without digits are passed
    over.  None when there is no year.
    """
    if school_year is None:
        return None
    numbers = [number or '' for (number,) in
               Order.select(Order.number)
               .where(Order.organisation == organisation, Order.school_year == school_year)
               .order_by(Order.id).tuples()]
    years = {str(school_year.start_year), str(school_year.start_year + 1)}
    highest = None  # (value, digits' width, text before, text after); the latest wins a tie
    for number in numbers:
        runs = list(re.finditer(r'\d{1,9}', number))
        found = next((run for run in runs if run.group() not in years), runs[0] if runs else None)
        if found and (highest is None or int(found.group()) >= highest[0]):
            highest = (int(found.group()), len(found.group()), number[:found.start()],
                       number[found.end():])
    if highest is None:
        return '1'
    value, width, before, after = highest
    taken = set(numbers)
    while True:
        value += 1
        suggestion = f'{before}{value:0{width}d}{after}'[:32]
        if suggestion not in taken:
            return suggestion


def create_draft(organisation, school_year, user, kind, number, document_date, act_date, basis=''):
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
                                basis=basis, created_by=user)
    except IntegrityError:
        raise Refused(_number_clash(organisation, school_year, number) or STALE) from None


def update_draft(order, version, number, document_date, act_date, basis=None):
    """Change a draft's number, dates and basis (lines follow the act date); stale forms are
    refused.  ``basis`` None keeps the one the order has."""
    if order.status != Order.DRAFT:
        raise Refused(f'Приказ {order_title(order)} уже проведён; изменить его нельзя. '
                      'Если он ошибочен, удалите его и создайте новый.')
    problems = _header_problems(order.organisation, order.school_year, number, document_date,
                                act_date, order.id)
    if problems:
        raise Refused(*problems)
    try:
        with db.atomic():
            save_versioned(order, version, number=number, document_date=document_date,
                           act_date=act_date, basis=order.basis if basis is None else basis)
            OrderLine.update(moved_on=act_date).where(OrderLine.order == order).execute()
    except IntegrityError:
        raise Refused(_number_clash(order.organisation, order.school_year, number, order.id)
                      or STALE) from None
    return order


# --- What a committed line does to memberships ------------------------------------

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
                          **Membership.keys_of(line.person_id)).execute()


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


# --- The draft order API (the four ways of adding children call this) -------------

@dataclass
class AddResult:
    added: list = field(default_factory=list)      # person ids now in the order
    refusals: dict = field(default_factory=dict)   # person id → sentence naming the block
    warnings: list = field(default_factory=list)   # sentences that do not block (capacity)


def add_children_to_draft(order, person_ids, association_to=None, *, association_from=None,
                          reason='', destination='', age_confirmed=()):
    """Put children into a draft order; each child either gets a line or a refusal.

    ``association_to`` is where an enrolment or transfer leads; ``association_from`` is where
    a withdrawal, graduation or transfer starts.  ``age_confirmed``: True, or the ids of the
    children the administrator confirmed to enrol outside the program's age range (the line
    records it where it was needed).  Refused (whole call) when the order is not a draft or the
    объединения themselves do not fit the order's kind.
    """
    destination = re.sub(r'\s+', ' ', destination or '').strip()[:500]
    reason = reason if order.kind == Order.WITHDRAWAL else ''
    if order.kind != Order.WITHDRAWAL:
        destination = ''
    if order.kind not in ENTERING:
        association_to = None
    if order.kind not in LEAVING:
        association_from = None
    wanted = list(dict.fromkeys(person_ids))
    confirmed = set(wanted) if age_confirmed is True else set(age_confirmed or ())
    try:
        with write_transaction():
            current = _lock_order(order)
            if current.status != Order.DRAFT:
                raise Refused(f'Приказ {order_title(current)} уже проведён: добавить в него учеников '
                              'нельзя. Создайте новый приказ.')
            closed = closed_year_refusal(current.school_year)
            if closed:
                raise Refused(closed)
            problem = _route_problem(current, association_from, association_to, reason, destination)
            if problem:
                raise Refused(problem)
            people = {p.id: p for p in Person.select(Person.id, Person.surname, Person.name,
                                                     Person.patronymic)
                      .where(Person.id.in_(wanted))}
            lines = [OrderLine(order=current, person=person_id, association_from=association_from,
                               association_to=association_to, moved_on=current.act_date,
                               reason=reason, destination=destination,
                               age_confirmed=person_id in confirmed)
                     for person_id in wanted if person_id in people]
            problems, outside_ages = check_children(current, lines)
            fresh = [line for line in lines if line.person_id not in problems]
            for line in fresh:
                line.age_confirmed = line.person_id in outside_ages
            OrderLine.bulk_create(fresh, batch_size=500)
    except IntegrityError:  # a child or an объединение deleted meanwhile
        raise Refused(STALE) from None
    result = AddResult()
    for person_id in wanted:
        if person_id not in people:
            result.refusals[person_id] = 'Ребёнок не найден в регистре.'
        elif person_id in problems:
            result.refusals[person_id] = f'{people[person_id].full_name}: {problems[person_id]}'
        else:
            result.added.append(person_id)
    if association_to is not None:
        result.warnings.extend(capacity_problems(order))
    return result


def remove_from_draft(order, line):
    closed = closed_year_refusal(order.school_year)
    if closed:
        raise Refused(closed)
    if order.status != Order.DRAFT:
        raise Refused(f'Приказ {order_title(order)} уже проведён; учащегося из него можно только '
                      'удалить как движение.')
    OrderLine.delete().where(OrderLine.id == line.id, OrderLine.order == order).execute()


def commit_order(order, user=None, version=None):
    """Apply every line of a draft in one transaction, or refuse naming each block."""
    try:
        with write_transaction():
            current = _lock_order(order)
            if current.status != Order.DRAFT:
                raise Refused(f'Приказ {order_title(current)} уже проведён.')
            if version is not None and current.version != version:
                raise Refused(STALE)
            problems = _header_problems(current.organisation, current.school_year, current.number,
                                        current.document_date, current.act_date, current.id)
            problems.extend(_import_writing_into(current))
            lines = _lines_for_update(current)
            if not lines:
                problems.append('В приказе нет учащихся. Добавьте учеников в приказ и проведите его снова.')
            refusals = child_problems(current, lines, adding=False)
            problems.extend(f'{line.person.full_name}: {refusals[line.person_id]}'
                            for line in lines if line.person_id in refusals)
            problems.extend(capacity_problems(current))
            if problems:
                raise Refused(*problems)
            for line in lines:
                line.moved_on = current.act_date
                line.save(only=[OrderLine.moved_on])
                _apply(current, line)
            (Order.update(status=Order.COMMITTED, committed_at=utcnow(), version=Order.version + 1)
             .where(Order.id == current.id).execute())
    except IntegrityError:
        raise Refused(*_explain_conflict(order)) from None
    return Order.get_by_id(order.id)


IMPORT_WRITING = (ImportJob.COMMIT_QUEUED, ImportJob.COMMITTING, ImportJob.UNDOING, ImportJob.CANCELLING)


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
    lines = list(OrderLine.select().where(OrderLine.order == order.id,
                                          OrderLine.association_to.is_null(False)))
    open_, _ = _memberships({line.person_id for line in lines},
                            {line.association_to_id for line in lines})
    messages = []
    for line in lines:
        membership = open_.get((line.person_id, line.association_to_id))
        if membership is not None:
            messages.append(f'{line.person.full_name}: {_already_in(membership, line.association_to)}')
    return messages or ['Данные изменились, пока проводился приказ. Обновите страницу и повторите.']


# --- Deleting orders and movements ------------------------------------------------

def deletion_problems(order, lines=None):
    """Why the order (or some of its lines) cannot be deleted now; empty when it can."""
    closed = closed_year_refusal(order.school_year)
    if closed:
        return [closed]
    if order.status == Order.DRAFT:
        return []
    problems = []
    period = movement_period(order.organisation, order.school_year)
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
            if current.status == Order.COMMITTED:
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
