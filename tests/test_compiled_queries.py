"""Queries whose SQL is generated once (models.compiled) answer exactly as the plain query does,
for every value they are called with, on SQLite and PostgreSQL."""
import pytest

from app import _roles_here as roles_here  # the query every request runs
from compiled import compiled
from models import Role, UserRole, Organisation
from tests import builders


@compiled
def first_people(surname_key, limit_marker):
    from models import Person
    return (Person.select(Person.id, Person.name).where(Person.surname_key == surname_key,
                                                        Person.id > limit_marker)
            .order_by(Person.name).limit(2).namedtuples())


def test_compiled_rows_match_the_plain_query_for_each_call(region):
    teacher = builders.user('second', region.odo, 'teacher')
    UserRole.create(user=teacher, organisation=region.odo, role=Role.get(Role.code == 'odo_admin'))
    UserRole.create(user=teacher, organisation=region.school, role=Role.get(Role.code == 'teacher'))
    seen = 0
    for user, organisation in ((region.admin, region.odo), (teacher, region.odo),
                               (teacher, region.school), (region.admin, region.school)):
        plain = list(roles_here.build(user.id, organisation.id))
        fast = roles_here(user.id, organisation.id)
        assert sorted((r.id, r.role.code, r.organisation.short_name) for r in fast) == sorted(
            (r.id, r.role.code, r.organisation.short_name) for r in plain)
        for row in fast:  # joined models come back whole, the LEFT JOIN's year included
            assert row.current_year.start_year == 2026
            assert row.current_year.organisation_id == organisation.id
        seen += len(fast)
    assert seen == 4  # admin at the ОДО, teacher twice there and once at the school


def test_constants_stay_constants_and_values_are_bound_each_time(region):
    for name in ('Анна', 'Вера', 'Галина'):
        builders.person('Орлова', name)
    builders.person('Петрова', 'Дарья')
    assert [p.name for p in first_people('орлова', 0)] == ['Анна', 'Вера']  # LIMIT 2 kept
    assert [p.name for p in first_people('петрова', 0)] == ['Дарья']
    assert first_people('сидорова', 0) == []
    first = first_people('орлова', 0)[0]
    assert [p.name for p in first_people('орлова', first.id)] == ['Вера', 'Галина']


def test_a_query_whose_sql_depends_on_its_values_is_refused(region):
    @compiled
    def shaped_by_value(organisation_id):
        query = Organisation.select(Organisation.id)
        return query.where(Organisation.id == organisation_id) if organisation_id > 0 else query

    assert shaped_by_value(region.odo.id)  # the first call of a shape runs plainly
    with pytest.raises(ValueError, match='depends on the values'):
        shaped_by_value(region.odo.id)


def test_a_parameter_computed_from_a_value_is_refused(region):
    from models import Person
    from keys import prefix_upper_bound

    @compiled
    def surname_prefix(key):  # the upper bound would be frozen at the first call's
        return Person.select(Person.id).where(Person.surname_key >= key,
                                              Person.surname_key < prefix_upper_bound(key))

    surname_prefix('ор')
    with pytest.raises(ValueError, match='computed from the values'):
        surname_prefix('ор')


@compiled
def people_among(ids, *values, used):
    from models import Person
    query = Person.select(Person.id, Person.name).where(Person.id.in_(ids))
    for name, value in zip(used, values):
        query = query.where(getattr(Person, name) == value)
    return query.order_by(Person.id).namedtuples()


def test_in_lists_and_shapes_get_a_plan_each_and_bind_every_element(region):
    import datetime
    anna = builders.person('Орлова', 'Анна', birth_date=datetime.date(2014, 1, 1))
    vera = builders.person('Орлова', 'Вера', birth_date=datetime.date(2015, 1, 1))
    gleb = builders.person('Орлов', 'Глеб', gender='M', birth_date=datetime.date(2014, 1, 1))

    def names(*values, used=()):  # plainly, then planned, then from the plan: the same rows
        runs = [[p.name for p in people_among(*values, used=used)] for _ in range(3)]
        assert runs[0] == runs[1] == runs[2]
        return runs[0]

    assert names([anna.id, vera.id]) == ['Анна', 'Вера']
    assert names([vera.id, gleb.id]) == ['Вера', 'Глеб']
    assert names([gleb.id]) == ['Глеб']
    everyone = [anna.id, vera.id, gleb.id]
    assert names(everyone, 'F', used=('gender',)) == ['Анна', 'Вера']
    assert names(everyone, 'M', used=('gender',)) == ['Глеб']
    born = datetime.date(2014, 1, 1)
    assert names(everyone, 'F', born, used=('gender', 'birth_date')) == ['Анна']
    assert len(people_among.plans) == 4  # lists of 2 and 1; three with one filter, with two


@compiled
def people_named(surname_key):
    from models import Person
    return (Person.select(Person.id, Person.name).where(Person.surname_key == surname_key)
            .order_by(Person.id).tuples())


def test_raw_rows_are_the_driver_tuples_of_the_same_query(region):
    for name in ('Анна', 'Вера'):
        builders.person('Орлова', name)
    builders.person('Петрова', 'Дарья')
    for _ in range(3):  # the first call runs plainly, the next ones from the plan
        assert [tuple(r) for r in people_named.raw('орлова')] == people_named('орлова')
        assert [r[1] for r in people_named.raw('орлова')] == ['Анна', 'Вера']
        assert [r[1] for r in people_named.raw('петрова')] == ['Дарья']


def test_the_search_page_is_the_plain_search_query_and_its_count(region):
    from services.enrolment import parse_search, search_page, search_people
    from services import paging
    for name in ('Анна', 'Вера', 'Галина'):
        builders.person('Орлова', name)
    builders.person('Орлов', 'Иван')
    builders.person('Петрова', 'Дарья')
    for args in ({'surname': 'орл'}, {'surname': 'Орлова', 'name': 'в'}, {'surname': 'пет'},
                 {'surname': 'орл', 'size': '10', 'page': '2'}, {'surname': 'зз'}):
        filters, errors = parse_search({'applied': '1', **args})
        assert not errors
        for _ in range(3):
            fast = search_page(filters, filters.page, filters.size)
            plain = paging.page_of(search_people(filters), filters.page, filters.size,
                                   search_people(filters, for_count=True))
            assert (fast.total, fast.number) == (plain.total, plain.number)
            assert [(p.id, p.full_name, p.birth_date, p.gender_label) for p in fast.rows] == [
                (p.id, p.full_name, p.birth_date, p.gender_label) for p in plain.rows]
