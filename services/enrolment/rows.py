"""What a result page shows about its children: status and organisation, current document,
and why a child cannot be ticked.  Loaded in a fixed number of queries, whatever the page
size."""
import datetime
from collections import namedtuple
from dataclasses import dataclass

from peewee import SQL

from compiled import compiled
from models import DOCUMENT_KINDS, IdentityDocument, Membership, Order, OrderLine, Organisation, Person
from services import movement
from services.registry.documents import format_snils

MAIN_KINDS = ('school', 'kindergarten', 'college')  # where a child's основная организация is


@dataclass
class ChildRow:
    person: Person
    document: object = None  # ShownDocument
    status: str = ''
    organisation: str = ''
    blocked: str = ''
    warning: str = ''  # outside the program's age range: added only with the confirmation
    selected: bool = False
    extra: object = None  # the membership of a pool or other-organisation row

    @property
    def snils(self):
        return format_snils(self.person.snils) if self.person.snils else ''


class ShownDocument(namedtuple('ShownDocument', 'kind series number issued_on')):
    """A child's current document as a result row shows it."""
    __slots__ = ()

    @property
    def kind_label(self):
        return DOCUMENT_KINDS.get(self.kind, self.kind)


def places_and_documents(person_ids, organisation, documents=True):
    """Per child: (status, organisation) from open memberships, else from the last departure;
    and, with ``documents``, the current document.  One query for both."""
    places, docs = {}, {}
    for row in _places_and_documents.raw(person_ids, documents=documents):
        if row[0]:
            places.setdefault(row[1], []).append(row)
        else:
            docs.setdefault(row[1], []).append(row)
    current = {}
    for pid, found in docs.items():  # the current one first, then the latest issued
        # row: 0, person, id, issued_on, -, -, kind, series, number, is_current, -
        best = max(found, key=lambda d: (bool(d[9]), _as_date(d[3]) or datetime.date.min, d[2]))
        current[pid] = ShownDocument(best[6], best[7], best[8], _as_date(best[3]))
    return _statuses(places, person_ids, organisation), current


def _statuses(places_of, person_ids, organisation):
    result = {}
    for pid, places in places_of.items():
        # row: 1, person, id, started_on, ended_on, end_kind, kind, short_name, -, -, organisation
        open_places = sorted((m for m in places if m[4] is None),
                             key=lambda m: (_as_date(m[3]), m[2]))
        if open_places:
            mine = next((m for m in open_places if m[10] == organisation.id), None)
            main = next((m for m in open_places if m[6] in MAIN_KINDS), None)
            if mine is not None:
                result[pid] = ('Обучается в вашей организации', mine[7])
            elif main is not None:
                result[pid] = ('Зачислен в основную организацию', main[7])
            else:
                result[pid] = ('Обучается в организации ДО', open_places[0][7])
        else:
            last = max(places, key=lambda m: (_as_date(m[4]), m[2]))
            label = 'Выпускник' if last[5] == Order.GRADUATION else 'Выбыл'
            result[pid] = (label, last[7])
    return {pid: result.get(pid, ('Не зачислен', '')) for pid in person_ids}


def _as_date(value):
    if isinstance(value, str):  # SQLite hands dates back as text in a union of tuples
        return datetime.date.fromisoformat(value[:10])
    return value


@compiled
def _places_and_documents(person_ids, documents):
    places = (Membership.select(SQL('1'), Membership.person, Membership.id, Membership.started_on,
                                Membership.ended_on, Membership.end_kind, Organisation.kind,
                                Organisation.short_name, SQL('NULL'), SQL('NULL'), Organisation.id)
              .join(Organisation)
              .where(Membership.person.in_(person_ids)))
    if not documents:
        return places.tuples()
    held = (IdentityDocument.select(SQL('0'), IdentityDocument.person, IdentityDocument.id,
                                    IdentityDocument.issued_on, SQL('NULL'), SQL('NULL'),
                                    IdentityDocument.kind, IdentityDocument.series,
                                    IdentityDocument.number, IdentityDocument.is_current, SQL('NULL'))
            .where(IdentityDocument.person.in_(person_ids)))
    return (places + held).tuples()


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
    states, docs = places_and_documents(ids, organisation, documents)
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

