"""What an organisation lacks, for the management body: the card's empty fields, the employees
with what each card and portfolio misses, and whose portfolio is empty.  Only staff appear here,
by name and position: never a СНИЛС, a document or anything of a child."""
from dataclasses import dataclass

from peewee import fn

from models import Employment, Person, PortfolioItem
from services import card, staff


@dataclass
class Employee:
    id: int
    name: str
    position: str
    fill: object  # staff.StaffFill
    items: int  # documents in the portfolio


@dataclass
class Missing:
    card: object  # services.fill.Fill with .missing
    staff: int
    employees: list  # Employee with something missing, least filled first
    empty_portfolios: list  # Employee without a single document

    @property
    def complete(self):
        return not self.card.missing and not self.employees


def missing_of(organisation, day):
    employments = list(Employment.select(Employment.id, Employment.organisation, Employment.person,
                                         Employment.position, Person.surname, Person.name, Person.patronymic)
                       .join(Person, on=(Employment.person == Person.id))
                       .where(Employment.organisation == organisation.id, Employment.dismissed_on.is_null())
                       .order_by(Person.surname_key, Person.name_key, Employment.id))
    fills = staff.fill_of(employments, day)
    counts = dict(PortfolioItem.select(PortfolioItem.employment, fn.COUNT(PortfolioItem.id))
                  .where(PortfolioItem.employment.in_([e.id for e in employments] or [0]))
                  .group_by(PortfolioItem.employment).tuples())
    people = [Employee(e.id, e.person.full_name, e.position, fills[e.id], counts.get(e.id, 0)) for e in employments]
    lacking = sorted((p for p in people if p.fill.card.missing or p.fill.portfolio.missing),
                     key=lambda p: p.fill.card.tenths + p.fill.portfolio.tenths)
    return Missing(card.fill_of([organisation.id])[organisation.id], len(people), lacking,
                   [p for p in people if not p.items])
