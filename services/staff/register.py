"""The list «Сведения о сотрудниках»: the organisation's employees, filtered and paged."""
from peewee import fn

from models import Employment, EmploymentPosition, Person, User
from services.common import parse_int
from services.staff.fill import fill_of

PAGE_SIZE = 20
STATUSES = {'active': 'Работают', 'dismissed': 'Уволены', 'all': 'Все'}
ESIA_FILTERS = {'linked': 'Связаны с Госуслугами', 'unlinked': 'Не связаны с Госуслугами'}


def positions_in(organisation):
    """Every position held in the organisation (main or further), for the filter."""
    main = Employment.select(Employment.position.alias('position')).where(
        Employment.organisation == organisation)
    extra = (EmploymentPosition.select(EmploymentPosition.position.alias('position'))
             .join(Employment).where(Employment.organisation == organisation))
    return sorted({row.position for row in (main | extra) if row.position})


def parse_filters(args, organisation):
    """The list's filters from the query string, each checked against its allow-list."""
    position = args.get('position', '')
    return {
        'position': position if position in positions_in(organisation) else '',
        'status': args.get('status') if args.get('status') in STATUSES else 'active',
        'esia': args.get('esia') if args.get('esia') in ESIA_FILTERS else '',
        'low': args.get('low') == '1',
        'page': max(1, parse_int(args.get('page')) or 1),
    }


def employees(organisation, filters, day=None):
    """The organisation's employments under the filters, by surname (a query to page)."""
    query = (Employment.select(Employment, Person).join(Person)
             .where(Employment.organisation == organisation))
    if filters['status'] == 'active':
        query = query.where(Employment.dismissed_on.is_null())
    elif filters['status'] == 'dismissed':
        query = query.where(Employment.dismissed_on.is_null(False))
    if filters['position']:
        further = (EmploymentPosition.select(EmploymentPosition.employment)
                   .where(EmploymentPosition.position == filters['position']))
        query = query.where((Employment.position == filters['position']) | Employment.id.in_(further))
    if filters['esia']:
        linked = User.select(User.person).where(User.esia_oid.is_null(False))
        query = query.where(Employment.person.in_(linked) if filters['esia'] == 'linked'
                            else Employment.person.not_in(linked))
    query = query.order_by(Person.surname_key, Person.name_key, Person.patronymic_key, Employment.id)
    if filters['low']:
        fills = fill_of(query, day)
        query = query.where(Employment.id.in_([eid for eid, fill in fills.items() if fill.card.below_80]
                                              or [0]))
    return query


def row_details(employments, day=None):
    """What each listed row shows beside the name: fill, further positions, ЕСИА link."""
    employments = list(employments)
    fills = fill_of(employments, day)
    further = {}
    for row in (EmploymentPosition.select().where(EmploymentPosition.employment.in_([e.id for e in employments]))
                .order_by(EmploymentPosition.id)):
        further.setdefault(row.employment_id, []).append(row.position)
    linked = {row[0] for row in User.select(User.person).where(
        User.person.in_([e.person_id for e in employments]), User.esia_oid.is_null(False)).tuples()}
    return {e.id: {'fill': fills[e.id], 'positions': [e.position] + further.get(e.id, []),
                   'linked': e.person_id in linked} for e in employments}


def count_active(organisation):
    return (Employment.select(fn.COUNT(Employment.id))
            .where(Employment.organisation == organisation, Employment.dismissed_on.is_null()).scalar())
