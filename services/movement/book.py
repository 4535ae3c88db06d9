"""Reading the movement book: its lines and filters, the orders, a child's history, export rows."""
import re

from peewee import JOIN, fn

from models import (ORDER_KINDS, WITHDRAWAL_REASONS, Association, Membership, Order, OrderLine,
                    Organisation, Person)
from services.common import parse_date, parse_int
from services.movement.children import _name_matches

BOOK_PAGE_SIZE = 50
BOOK_COUNT_CAP = 100_000  # a ledger is paged to its first line; the count stays an index walk
# The columns of the book's and an order's Excel export, and their widths.
BOOK_COLUMNS = ['Дата движения', 'Приказ №', 'Дата приказа', 'Дата распорядительного акта',
                'Вид движения', 'Учащийся', 'Дата рождения', 'Из объединения', 'В объединение',
                'Причина выбытия', 'Куда выбыл']
BOOK_WIDTHS = [14, 10, 14, 16, 30, 36, 14, 28, 28, 36, 30]


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
    query = _line_query().where(Order.organisation == organisation, Order.status == Order.COMMITTED)
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


def book_row(line):
    """One line of the book as the export's cells, in the order of ``BOOK_COLUMNS``."""
    order = line.order
    return [line.moved_on or order.act_date, order.number, order.document_date, order.act_date,
            order.kind_label, line.person.full_name, line.person.birth_date,
            line.association_from.name if line.association_from_id else '',
            line.association_to.name if line.association_to_id else '',
            WITHDRAWAL_REASONS.get(line.reason, ''), line.destination]


def orders_of(organisation, kind='', status=''):
    query = (Order.select(Order, fn.COUNT(OrderLine.id).alias('line_count'))
             .join(OrderLine, JOIN.LEFT_OUTER)
             .where(Order.organisation == organisation)
             .group_by(Order.id))
    if kind in ORDER_KINDS:
        query = query.where(Order.kind == kind)
    if status in (Order.DRAFT, Order.COMMITTED):
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
            .where(OrderLine.person == person, Order.status == Order.COMMITTED,
                   Organisation.region == region)
            .order_by(fn.COALESCE(OrderLine.moved_on, Order.act_date), Order.committed_at,
                      OrderLine.id))


def current_memberships(person, region):
    return (Membership.select(Membership, Association, Organisation)
            .join_from(Membership, Association).join_from(Membership, Organisation)
            .where(Membership.person == person, Membership.ended_on.is_null(),
                   Organisation.region == region)
            .order_by(Organisation.short_name, Association.name))
