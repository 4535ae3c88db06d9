"""Step 3 of the transition: the orders of the current year built in bulk from its объединения
(«Перевод на следующий год», «Выпуск», «Оставление на повторное обучение», «Выбытие»), previewed
before anything is written and drafted as one numbered order each."""
import re
from dataclasses import dataclass, field

from peewee import JOIN, IntegrityError

from models import (Association, Membership, Order, OrderLine, Person, Program, SchoolYear,
                    WITHDRAWAL_REASONS)
from services.common import Refused, STALE, locked, write_transaction
from services.movement import (LEAVING, capacity_problems, check_children, header_problems,
                               route_problem)
from services.years.transition import BULK, BULK_KINDS, TARGETED, Years, _no_current

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
                problems = header_problems(organisation, years.current, header['number'],
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
                problem = route_problem(order, source, target, reason, destination)
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
            already = dict(OrderLine.select(OrderLine.person, OrderLine.association_from)
                           .where(OrderLine.order == order).tuples()) if reused else {}
            fresh, seen = [], set()
            for line in lines:
                name = names.get(line.person_id, 'Ребёнок')
                problem = problems.get(line.person_id)
                if line.person_id in already or line.person_id in seen:
                    if already.get(line.person_id) != line.association_from.id:
                        refusals.append(_one_line_each(name, line.association_from, order))
                elif problem is None:
                    fresh.append(line)
                    seen.add(line.person_id)
                else:
                    refusals.append(f'{name}: {problem}')
            OrderLine.bulk_create(fresh, batch_size=500)
            if not reused and not fresh:
                raise Refused(*(refusals or ['Никого из отмеченных детей нельзя включить в приказ.']))
    except IntegrityError:
        raise Refused(STALE) from None
    warnings = capacity_problems(order) if kind in TARGETED and fresh else []
    return BulkResult(order, len(fresh), refusals, warnings, reused)


def _one_line_each(name, source, order):
    """A child has one line per order: their second объединение needs an order of its own."""
    return (f'{name}: ребёнок уже есть в приказе №{order.number or "б/н"} из другого объединения; '
            f'для «{source.name}» проведите этот приказ и оформите ещё один.')
