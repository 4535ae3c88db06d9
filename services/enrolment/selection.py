"""The selection: children ticked on the registry screens, kept per user and draft order in
``EnrolmentSelection`` so ticks survive paging, filter changes and other screens until they
are added to the order.  A tick is kept only for a child the screen itself offered."""
from peewee import IntegrityError

from compiled import compiled
from models import EnrolmentSelection, Membership, Order, Person, db
from services import movement
from services.enrolment.filters import parse_others, parse_pool, parse_search
from services.enrolment.others import others_members
from services.enrolment.pool import pool_people
from services.enrolment.search import search_people
from services.paging import PAGE_SIZES

SOURCES = {'search': 'Поиск в регистре', 'pool': 'Выпускники и выбывшие',
           'others': 'Другие ОО'}
SCREEN_TITLES = {'search': 'Поиск учащихся для зачисления',
                 'pool': 'Список выпускников и выбывших',
                 'others': 'Список обучающихся в других ОО'}


class SelectionRefused(Exception):
    pass


@compiled
def order_of(organisation_id, order_id):
    """The organisation's order by id (another organisation's id is not found)."""
    return Order.select().where(Order.id == order_id, Order.organisation == organisation_id)


def _order(order):
    return order if isinstance(order, Order) else Order.get_by_id(order)


def selected_ids(user, order, among=None):
    user, order = getattr(user, 'id', user), getattr(order, 'id', order)
    if among is None:
        return {row.person_id for row in _selection(user, order)}
    query = _selection.build(user, order).where(EnrolmentSelection.person.in_(among))
    return {row.person_id for row in query}


@compiled
def _selection(user_id, order_id):
    return EnrolmentSelection.select(EnrolmentSelection.person).where(
        EnrolmentSelection.user == user_id, EnrolmentSelection.order == order_id)


def selection_count(user, order):
    return len(selected_ids(user, order))


def screen_filters(source, args, organisation):
    """The filters of a screen (``source``) read from its query string by the screen's own
    parser: whatever else the string holds is dropped."""
    if source == 'search':
        return parse_search(args)[0]
    if source == 'pool':
        return parse_pool(args, organisation.region_id)
    if source == 'others':
        return parse_others(args, organisation.region_id, organisation.id)
    raise SelectionRefused('Неизвестный список. Откройте страницу поиска заново.')


def offered(source, filters, organisation, person_ids, order):
    """Which of these people the screen lists to this organisation under ``filters``: the
    screen's own query restricted to the ids (a page at most, looked up by id); never staff nor
    anyone outside 3–18 on the date of ``order`` (the rule its refusal uses)."""
    ids = sorted(set(person_ids))
    if not ids or not filters.ready():
        return set()
    if source == 'search':
        found = {row[0] for row in search_people(filters, for_count=True)
                 .where(Person.id.in_(ids)).order_by().tuples()}
    elif source == 'pool':
        found = pool_people(filters, organisation.region_id, ids)
    else:
        found = {row[0] for row in others_members(filters, organisation.region_id,
                                                  organisation.id, for_count=True)
                 .select(Membership.person).where(Membership.person.in_(ids))
                 .order_by().distinct().tuples()}
    return found - movement.not_children(order, found).keys()


def sync_selection(user, order, shown_ids, ticked_ids, source, filters, organisation):
    """Make the ticks of one result page true: ticked children kept, unticked ones dropped.

    Only children listed on the page (``shown_ids``) change, so ticks made on other pages
    and under other filters stay.  A new tick is kept only for a child the screen offers under
    ``filters`` (the page's own query string); the others are refused.
    Returns (how many are selected, the ids refused).
    """
    shown, ticked = set(shown_ids), set(ticked_ids)
    if max(len(shown), len(ticked)) > max(PAGE_SIZES):
        raise SelectionRefused(f'На странице списка не больше {max(PAGE_SIZES)} учащихся: '
                               'откройте список заново и отметьте учащихся на нём.')
    kept = ticked & shown
    already = selected_ids(user, order, list(kept)) if kept else set()  # checked when ticked
    accepted = offered(source, filters, organisation, kept - already, _order(order))
    with db.atomic():
        unticked = list(shown - ticked)
        if unticked:
            (EnrolmentSelection.delete()
             .where(EnrolmentSelection.user == user, EnrolmentSelection.order == order,
                    EnrolmentSelection.person.in_(unticked)).execute())
        for person_id in sorted(accepted):
            try:
                with db.atomic():
                    EnrolmentSelection.create(user=user, order=order, person=person_id,
                                               source=source)
            except IntegrityError:
                pass  # ticked twice at once (two tabs): one row is the right outcome
    return selection_count(user, order), ticked - already - accepted


def refused_ticks(source, count):
    return (f'Не сохранены отметки: {count}. Этих учащихся нет на странице «{SCREEN_TITLES[source]}» '
            'с выбранными условиями — обновите страницу и отметьте учащихся заново.')


def unselect(user, order, person_ids=None):
    query = EnrolmentSelection.delete().where(EnrolmentSelection.user == user,
                                               EnrolmentSelection.order == order)
    if person_ids is not None:
        query = query.where(EnrolmentSelection.person.in_(list(person_ids)))
    with db.atomic():
        return query.execute()


def selected_people(user, order):
    """The selection by ФИО: (person, where it was ticked)."""
    rows = (EnrolmentSelection.select(EnrolmentSelection, Person)
            .join(Person)
            .where(EnrolmentSelection.user == user, EnrolmentSelection.order == order)
            .order_by(Person.surname_key, Person.name_key, Person.birth_date, Person.id))
    return [(row.person, SOURCES.get(row.source, '')) for row in rows]


def add_selection_to_order(user, order, association, age_confirmed=False):
    """Add every selected child to the draft order; those added leave the selection.
    ``age_confirmed``: «Зачислить вне возрастного диапазона программы» was ticked.

    Returns the movement book's AddResult (added ids, refusals by child, warnings).
    """
    ids = [person.id for person, _ in selected_people(user, order)]
    if not ids:
        raise SelectionRefused('Никто не отмечен: отметьте учащихся в списках, затем добавьте их в приказ.')
    result = movement.add_children_to_draft(order, ids, association, age_confirmed=age_confirmed)
    if result.added:
        unselect(user, order, result.added)
    return result
