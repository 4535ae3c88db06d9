"""What a result page shows about its children: status and organisation, current document,
and why a child cannot be ticked.  Loaded in a fixed number of queries, whatever the page
size."""
from dataclasses import dataclass

from compiled import compiled
from models import IdentityDocument, Membership, Order, OrderLine, Organisation, Person
from services import movement
from services.registry.documents import format_snils

MAIN_KINDS = ('school', 'kindergarten', 'college')  # where a child's основная организация is


@dataclass
class ChildRow:
    person: Person
    document: IdentityDocument | None = None
    status: str = ''
    organisation: str = ''
    blocked: str = ''
    warning: str = ''  # outside the program's age range: added only with the confirmation
    selected: bool = False
    extra: object = None  # the membership of a pool or other-organisation row

    @property
    def snils(self):
        return format_snils(self.person.snils) if self.person.snils else ''


def current_documents(person_ids):
    found = {}
    for doc in _documents_of(person_ids):
        found.setdefault(doc.person_id, doc)
    return found


@compiled
def _documents_of(person_ids):
    return (IdentityDocument.select(IdentityDocument.id, IdentityDocument.person,
                                    IdentityDocument.kind, IdentityDocument.series,
                                    IdentityDocument.number, IdentityDocument.issued_on)
            .where(IdentityDocument.person.in_(person_ids))
            .order_by(IdentityDocument.is_current.desc(), IdentityDocument.issued_on.desc(),
                      IdentityDocument.id.desc()))


def statuses(person_ids, organisation):
    """Per child: (status, organisation) from open memberships, else from the last departure."""
    open_places, departures = {}, {}
    for m in _places_of(person_ids):
        (departures if m.ended_on else open_places).setdefault(m.person, []).append(m)
    result = {}
    for pid, places in open_places.items():
        places.sort(key=lambda m: (m.started_on, m.id))
        mine = next((m for m in places if m.org == organisation.id), None)
        main = next((m for m in places if m.kind in MAIN_KINDS), None)
        if mine is not None:
            result[pid] = ('Обучается в вашей организации', mine.short_name)
        elif main is not None:
            result[pid] = ('Зачислен в основную организацию', main.short_name)
        else:
            result[pid] = ('Обучается в организации ДО', places[0].short_name)
    for pid, ended in departures.items():
        if pid not in result:
            last = max(ended, key=lambda m: (m.ended_on, m.id))
            label = 'Выпускник' if last.end_kind == Order.GRADUATION else 'Выбыл'
            result[pid] = (label, last.short_name)
    return {pid: result.get(pid, ('Не зачислен', '')) for pid in person_ids}


@compiled
def _places_of(person_ids):
    return (Membership.select(Membership.person, Membership.started_on, Membership.id,
                              Membership.ended_on, Membership.end_kind,
                              Organisation.id.alias('org'), Organisation.kind,
                              Organisation.short_name)
            .join(Organisation)
            .where(Membership.person.in_(person_ids))
            .namedtuples())


def blockers(order, person_ids, association=None):
    """Per child, why they cannot be added to ``order`` (in ``association``): the order's own
    refusal, shown where the tick would be; absent if they can."""
    return check(order, person_ids, association)[0]


def check(order, person_ids, association=None, facts=None):
    """(blockers, age warnings): :func:`blockers`, and per child outside the age range of the
    объединение's program the sentence asking for «Зачислить вне возрастного диапазона
    программы» — a warning, not a block, so the check counts the confirmation as given."""
    lines = [OrderLine(person=person_id, association_to=association, age_confirmed=True)
             for person_id in person_ids]
    problems, warnings = movement.check_children(order, lines, facts=facts)
    return ({person_id: _sentence(problem) for person_id, problem in problems.items()},
            {person_id: _sentence(warning) for person_id, warning in warnings.items()})


def _sentence(text):
    return text[0].upper() + text[1:]


def child_rows(people, order, organisation, chosen, association=None, documents=True, extras=None):
    """Rows of a result page: status, organisation, document, tick (``chosen``: the ids of the
    user's selection) or the reason for none.  People who work in an organisation are left
    out: a list of departures or of another organisation may hold a teacher's own childhood."""
    facts = movement.people_facts([p.id for p in people]) if people else {}
    staff = movement.staff_among([p.id for p in people], facts)  # never listed as children
    if staff:
        kept = [i for i, p in enumerate(people) if p.id not in staff]
        people = [people[i] for i in kept]
        extras = [extras[i] for i in kept] if extras else extras
    ids = [p.id for p in people]
    if not ids:
        return []
    docs = current_documents(ids) if documents else {}
    states = statuses(ids, organisation)
    blocked, warnings = check(order, ids, association, {pid: facts[pid] for pid in ids if pid in facts})
    rows = []
    for index, person in enumerate(people):
        status, org_name = states[person.id]
        rows.append(ChildRow(person=person, document=docs.get(person.id), status=status,
                             organisation=org_name, blocked=blocked.get(person.id, ''),
                             warning=warnings.get(person.id, ''),
                             selected=person.id in chosen,
                             extra=extras[index] if extras else None))
    return rows

