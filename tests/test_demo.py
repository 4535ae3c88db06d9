"""The demo region loader: a small region loaded into a fresh database, checked for real.

Runs on the test run's database (SQLite, or PostgreSQL when DATABASE_URL says so).
"""
import datetime
import io
import re

import pytest
from peewee import fn
from werkzeug.security import check_password_hash

import clock
import demo
import models
from demo.catalogue import REGION_TIME_ZONE
from models import (
    Association, CardParameter, CardParameterValue, Employment, IdentityDocument, Membership, Municipality,
    Order, OrderLine, Organisation, OrganisationCardChange, Person, Program, Region, Role, SchoolYear,
    Settlement, User, UserRole,
)
from services import card
from services.fill import Fill
from tests.conftest import empty_tables
from services.registry.documents import (
    is_valid_birth_certificate_series, is_valid_snils, latin_lookalikes,
)
from keys import document_key, name_key

CHILDREN = 600
ORGANISATIONS = 60
TODAY = clock.today(REGION_TIME_ZONE)  # the demo's day is the region's


@pytest.fixture(scope='module')
def demo_db(database_url):
    """The run's migrated test database, emptied and holding a small demo region; yields the counts."""
    database = models.make_database(database_url)
    models.db.initialize(database)
    empty_tables(database)
    counts = demo.load_demo_region(children=CHILDREN, organisations=ORGANISATIONS, seed=7)
    yield counts
    empty_tables(database)
    models.db.close()


def _children():
    """Children are the people who are members of a class, group or объединение."""
    return Person.select().where(Person.id.in_(Membership.select(Membership.person)))


def _home_odo():
    return Organisation.get(Organisation.short_name == demo.HOME_ODO)


def test_sign_in_chain_exists_as_named(demo_db):
    region = Region.get(Region.name == 'Сахалинская обл')
    assert region.code == '65'
    assert Municipality.select().where(Municipality.region == region).count() == 18
    municipality = Municipality.get(Municipality.region == region,
                                    Municipality.name == 'Городской округ Южно-Сахалинск')
    settlement = Settlement.get(Settlement.municipality == municipality,
                                Settlement.name == 'Южно-Сахалинск, г.')
    odo = Organisation.get(Organisation.settlement == settlement,
                           Organisation.short_name == 'МАУДО Центр детского творчества')
    assert odo.kind == 'odo'
    assert odo.municipality_id == municipality.id and odo.region_id == region.id
    assert odo.full_name == ('Муниципальное автономное учреждение дополнительного образования '
                             'Центр детского творчества')
    assert odo.name_key == name_key(odo.short_name)
    # A fully filled card.
    for field in ('legal_form', 'founders', 'legal_address', 'actual_address',
                  'phone', 'email', 'website', 'licence_number', 'accessibility', 'internet'):
        assert getattr(odo, field), field
    director, deputies = card.values_of(odo, [])['director'], card.values_of(odo, [])['deputies']
    assert Employment.get_by_id(director).position == 'Директор' and deputies
    assert re.fullmatch(r'\d{10}', odo.inn) and re.fullmatch(r'\d{9}', odo.kpp)
    assert re.fullmatch(r'\d{13}', odo.ogrn) and odo.licence_date and odo.capacity
    # Its management bodies.
    body = odo.authority
    assert body.kind == 'municipal_body' and body.municipality_id == municipality.id
    assert body.short_name.startswith('Управление образования')
    assert body.authority.kind == 'regional_body'
    assert body.authority.short_name == 'Министерство образования Сахалинской области'


def test_organisations_kinds_authorities_and_years(demo_db):
    start = TODAY.year if TODAY.month >= 9 else TODAY.year - 1
    kinds = dict(Organisation.select(Organisation.kind, fn.COUNT(Organisation.id))
                 .group_by(Organisation.kind).tuples())
    assert Organisation.select().count() == ORGANISATIONS == demo_db['organisations']
    assert kinds['municipal_body'] == 18 and kinds['regional_body'] == 1
    assert all(kinds.get(kind) for kind in models.EDUCATIONAL_KINDS)
    for org in Organisation.select():
        if org.kind in models.EDUCATIONAL_KINDS:
            assert org.authority.kind == 'municipal_body'
            assert org.authority.municipality_id == org.municipality_id
        year = SchoolYear.get(SchoolYear.organisation == org)
        assert (year.start_year, year.state) == (start, 'current')
        assert year.starts_on == datetime.date(start, 9, 1)
        assert year.ends_on == datetime.date(start + 1, 8, 31)
        assert (org.movement_period_start, org.movement_period_end) == (year.starts_on, year.ends_on)
        if org.inn:
            assert re.fullmatch(r'\d{10}', org.inn)
        if org.ogrn:
            assert re.fullmatch(r'\d{13}', org.ogrn)


def test_odo_programs_and_associations(demo_db):
    for odo in Organisation.select().where(Organisation.kind == 'odo'):
        programs = list(Program.select().where(Program.organisation == odo, ~Program.archived))
        assert 4 <= len(programs) <= 15
        for program in programs:
            assert program.focus in models.PROGRAM_FOCUSES
            assert 0 < program.hours_per_week <= program.hours_per_year
            associations = list(Association.select().where(Association.program == program))
            assert {a.study_year for a in associations} == set(range(1, program.duration_years + 1))
            for association in associations:
                assert association.kind == 'association' and association.organisation_id == odo.id
                assert 12 <= association.capacity <= 25
                assert association.teacher.organisation_id == odo.id
                assert re.fullmatch(r'\d+[а-я]\d* \S.*', association.name), association.name
    classes = Association.select().where(Association.kind == 'class')
    assert classes.count() > 0
    for cls in classes:
        assert cls.organisation.kind == 'school' and 1 <= cls.grade <= 11 and cls.program_id is None
        assert re.fullmatch(r'\d{1,2}[А-Я]\d*', cls.name) and cls.name.startswith(str(cls.grade))
    groups = Association.select().join(Organisation).where(Organisation.kind == 'kindergarten')
    assert groups.count() > 0 and all(g.kind == 'group' for g in groups)


def test_demo_users_roles_and_passwords(demo_db):
    home = _home_odo()
    expected = {
        'odo-admin': {(home.id, 'odo_admin')},
        'odo-teacher': {(home.id, 'teacher')},
        'child-13': {(home.id, 'student')},
        'child-15': {(home.id, 'student')},
        'uo-specialist': {(home.authority_id, 'authority_specialist')},
    }
    assert [s[0] for s in demo.demo_sign_ins()] == ['odo-admin', 'odo-teacher', 'child-13', 'child-15',
                                                    'uo-specialist']
    for login, grants in expected.items():
        user = User.get(User.login == login)
        assert check_password_hash(user.password_hash, 'Demo-2024!'), login
        assert not check_password_hash(user.password_hash, 'demo-2024!')
        roles = {(ur.organisation_id, ur.role.code) for ur in UserRole.select().where(UserRole.user == user)}
        assert grants <= roles, login
        assert user.person_id
    admin = User.get(User.login == 'odo-admin')
    admin_roles = UserRole.select().join(Role).where(UserRole.user == admin, Role.code == 'odo_admin')
    second = [ur.organisation for ur in admin_roles if ur.organisation_id != home.id]
    assert len(second) == 1 and second[0].kind == 'odo'
    assert admin.person.snils == '11223344595'
    assert Employment.get(Employment.person == admin.person, Employment.organisation == home).position \
        == 'Заместитель директора'
    teacher = User.get(User.login == 'odo-teacher').person
    assert teacher.snils == demo.DEMO_SNILS['odo-teacher'] and is_valid_snils(teacher.snils)
    job = Employment.get(Employment.person == teacher, Employment.organisation == home)
    assert job.position == 'Педагог дополнительного образования'
    assert Association.select().where(Association.teacher == job).count() >= 2
    specialist = User.get(User.login == 'uo-specialist').person
    assert Employment.get(Employment.person == specialist).organisation_id == home.authority_id
    # Other staff users exist, without passwords (they sign in through ЕСИА).
    others = User.select().where(User.login.not_in(list(expected)))
    assert others.count() > 0 and all(u.password_hash is None for u in others)


def test_demo_children_ages_documents_and_enrolment(demo_db):
    home = _home_odo()
    teacher_job = Employment.get(Employment.person == User.get(User.login == 'odo-teacher').person,
                                 Employment.organisation == home)
    for login, age, kind in (('child-13', 13, 'birth_certificate_rf'), ('child-15', 15, 'passport_rf')):
        child = User.get(User.login == login).person
        assert demo.age_on(child.birth_date, TODAY) == age, login
        assert is_valid_snils(child.snils)
        assert [d.kind for d in child.documents] == [kind]
        open_here = (Membership.select().join(Association)
                     .where(Membership.person == child, Membership.ended_on.is_null(),
                            Association.organisation == home, Association.kind == 'association'))
        assert open_here.count() == 1
        membership = open_here.get()
        assert membership.association.teacher_id == teacher_job.id
        assert membership.start_line.order.kind == 'enrolment'


def test_every_snils_is_valid(demo_db):
    people = list(Person.select())
    with_snils = [p for p in people if p.snils]
    assert all(re.fullmatch(r'\d{11}', p.snils) and is_valid_snils(p.snils) for p in with_snils)
    children = list(_children())
    assert len(children) == CHILDREN == demo_db['children']
    assert 0.8 * len(children) < sum(1 for c in children if c.snils) < len(children)
    # Staff are adults and always have a СНИЛС.
    staff = Person.select().where(Person.id.in_(Employment.select(Employment.person)))
    assert all(s.snils and demo.age_on(s.birth_date, TODAY) >= 18 for s in staff)
    # Marked, so the registry search does not list them as children; nobody else is.
    assert {s.id for s in staff} == {p.id for p in people if p.is_staff}


def test_every_membership_carries_the_childs_surname_key_and_gender(demo_db):
    stale = (Membership.select().join(Person)
             .where((Membership.surname_key != Person.surname_key)
                    | (Membership.gender != Person.gender)))
    assert Membership.select().count() > 0 and stale.count() == 0


def test_document_formats(demo_db):
    documents = list(IdentityDocument.select(IdentityDocument, Person).join(Person))
    assert documents
    seen = set()
    for doc in documents:
        birth = doc.person.birth_date
        assert doc.number_key == document_key(doc.series, doc.number)
        assert re.fullmatch(r'\d{6}', doc.number)
        assert birth <= doc.issued_on <= TODAY
        if doc.kind == 'birth_certificate_rf':
            assert re.fullmatch(r'[IVXLCDM]{1,6}-[А-ЯЁ]{2}', doc.series), doc.series
            assert is_valid_birth_certificate_series(doc.series)
            assert doc.issued_by.startswith('Отдел ЗАГС') and doc.civil_record_number.isdigit()
        else:
            assert doc.kind == 'passport_rf'
            assert re.fullmatch(r'\d{4}', doc.series) and re.fullmatch(r'\d{3}-\d{3}', doc.division_code)
            fourteen = demo.add_years(birth, 14)
            assert doc.issued_on >= fourteen
        seen.add((doc.person_id, doc.kind))
    # Under-14s carry a birth certificate, 14 and over a passport (a certificate before it is former).
    for child in _children().where(Person.snils.is_null(False)).limit(300):
        docs = [d.kind for d in child.documents if d.is_current]
        if docs:
            expected = 'passport_rf' if demo.age_on(child.birth_date, TODAY) >= 14 else 'birth_certificate_rf'
            assert docs == [expected]


def test_name_keys_match_the_models(demo_db):
    for person in Person.select():
        assert person.surname_key == name_key(person.surname)
        assert person.name_key == name_key(person.name)
        assert person.patronymic_key == name_key(person.patronymic)
        assert person.gender in ('M', 'F')
    children = list(_children())
    ages = [demo.age_on(c.birth_date, TODAY) for c in children]
    assert min(ages) >= 2 and max(ages) <= 19  # 3–18, give or take a near-duplicate's swapped date
    assert sum(1 for a in ages if 3 <= a <= 18) > 0.98 * len(ages)
    # Gender agreement: girls' surnames and patronymics take the feminine form.
    girls = [c for c in children if c.gender == 'F' and c.patronymic]
    assert sum(c.patronymic.endswith(('вна', 'чна')) for c in girls) == len(girls)


def test_pool_of_graduates_and_departed(demo_db):
    closed = list(Membership.select().join(Association)
                  .where(Membership.ended_on.is_null(False), Association.kind == 'association'))
    assert len(closed) >= 0.02 * CHILDREN
    assert demo_db['pool'] == len({m.person_id for m in closed})
    for membership in closed:
        assert membership.end_kind in ('withdrawal', 'graduation')
        line = membership.end_line
        assert line.order.kind == membership.end_kind and line.order.status == 'committed'
        assert line.association_from_id == membership.association_id and line.association_to_id is None
        assert line.moved_on == membership.ended_on > membership.started_on
        child = membership.person  # the pool filters on the copies the membership keeps
        assert (membership.surname_key, membership.gender) == (child.surname_key, child.gender)
        if membership.end_kind == 'withdrawal':
            assert membership.end_reason in models.WITHDRAWAL_REASONS and membership.destination
            assert line.reason == membership.end_reason
        still_open = (Membership.select().join(Association)
                      .where(Membership.person == membership.person_id, Membership.ended_on.is_null(),
                             Association.kind == 'association'))
        assert still_open.count() == 0


def test_open_memberships_unique_and_orders_consistent(demo_db):
    doubles = (Membership.select(Membership.person, Membership.association)
               .where(Membership.ended_on.is_null())
               .group_by(Membership.person, Membership.association)
               .having(fn.COUNT(Membership.id) > 1))
    assert doubles.count() == 0
    odo_members = (Membership.select().join(Association)
                   .where(Association.kind == 'association'))
    assert odo_members.count() > 0.4 * CHILDREN
    for membership in odo_members:
        line = membership.start_line
        assert line is not None and line.person_id == membership.person_id
        assert line.association_to_id == membership.association_id
        assert line.order.kind == 'enrolment' and line.order.status == 'committed'
        assert line.order.organisation_id == membership.organisation_id == membership.association.organisation_id
        assert membership.started_on == line.moved_on == line.order.act_date
    for order in Order.select():
        org = order.organisation
        assert org.movement_period_start <= order.act_date <= order.document_date <= org.movement_period_end
        assert order.lines.count() > 0
    # Everyone is a member somewhere: a class, a group or an объединение.
    assert _children().count() == CHILDREN


def test_near_duplicates(demo_db):
    assert demo_db['duplicates'] >= 5
    # ё/е: the same keys and birth date on two records.
    same = (Person.select(Person.surname_key, Person.name_key, Person.patronymic_key, Person.birth_date)
            .where(Person.id.in_(Membership.select(Membership.person)))
            .group_by(Person.surname_key, Person.name_key, Person.patronymic_key, Person.birth_date)
            .having(fn.COUNT(Person.id) > 1))
    assert same.count() >= 1
    pair = same.get()
    twins = list(Person.select().where(Person.surname_key == pair.surname_key, Person.name_key == pair.name_key,
                                       Person.birth_date == pair.birth_date))
    spelled = {(p.surname, p.name, p.patronymic) for p in twins}
    assert len(spelled) == 2 and any('ё' in ''.join(s) for s in spelled)
    orgs = [{m.organisation_id for m in p.memberships} for p in twins]
    assert not (orgs[0] & orgs[1])  # entered in different organisations
    # A Latin look-alike letter inside a Cyrillic surname.
    assert any(latin_lookalikes(p.surname) or latin_lookalikes(p.name) for p in _children())


def test_staff_cards_and_portfolios_are_filled_to_a_spread_of_levels(demo_db):
    """Monitoring has something real to show: organisations high (≥ 90 %), medium (80–90 %) and
    low (< 80 %) by the very rule it counts with; the demo staff's own cards are complete."""
    from services import staff
    odos = [o.id for o in Organisation.select().where(Organisation.kind == 'odo')]
    educational = [o.id for o in Organisation.select().where(Organisation.kind.in_(models.EDUCATIONAL_KINDS))]
    fills = staff.organisation_fill(educational)
    for part in (0, 1):  # the card, the portfolio
        levels = {fills[oid][part].level for oid in educational if fills[oid][part].required}
        assert levels == {'high', 'medium', 'low'}, part
    assert {fills[oid][0].level for oid in odos} >= {'high', 'low'}
    teacher = Employment.get(Employment.person == User.get(User.login == 'odo-teacher').person,
                             Employment.organisation == _home_odo())
    assert staff.fill_percentage(teacher).card.tenths == 1000
    assert staff.fill_percentage(teacher).portfolio.tenths == 1000


def test_monitoring_has_the_seed_s_snapshots_and_today_with_progress(demo_db):
    from models import MonitoringSnapshot
    days = [day for (day,) in MonitoringSnapshot.select(MonitoringSnapshot.taken_on).distinct()
            .order_by(MonitoringSnapshot.taken_on).tuples()]
    assert days == [datetime.date(2021, 10, 1), datetime.date(2023, 10, 1), datetime.date(2024, 2, 1), TODAY]
    educational = Organisation.select().where(Organisation.kind.in_(models.EDUCATIONAL_KINDS)).count()
    assert MonitoringSnapshot.select().count() == 4 * educational
    for column in ('card_percent', 'staff_percent', 'portfolio_percent', 'esia_percent'):
        field = getattr(MonitoringSnapshot, column)
        means = [MonitoringSnapshot.select(fn.AVG(field)).where(MonitoringSnapshot.taken_on == day).scalar()
                 for day in days]
        assert means == sorted(means) and means[0] < means[-1], column  # believable progress


def test_organisation_cards_are_filled_to_a_spread_of_levels(demo_db):
    """The card's fill (the region's required fields and parameters) is high, medium and low across
    organisations and municipalities; every code stored passes the card's own checks; the home
    ОДО opens below 100 % with a change log of its own."""
    from services.card import validation
    orgs = list(Organisation.select().where(Organisation.kind.in_(models.EDUCATIONAL_KINDS)))
    fills = card.fill_of([o.id for o in orgs])
    assert {fill.level for fill in fills.values()} == {'high', 'medium', 'low'}
    by_municipality = {}
    for org in orgs:
        by_municipality.setdefault(org.municipality_id, Fill(0, 0)).add(fills[org.id])
    assert len({fill.level for fill in by_municipality.values()}) >= 2
    for org in orgs:
        for code in ('inn', 'kpp', 'ogrn', 'okpo', 'oktmo', 'okved', 'bik', 'phone', 'email', 'website'):
            if getattr(org, code):
                assert validation.CODES[code](getattr(org, code)) == (getattr(org, code), None), (org.id, code)
        if org.settlement_account:
            assert validation.check_account(org.settlement_account, org.bik)[1] is None
    home = _home_odo()
    assert 900 <= fills[home.id].tenths < 1000
    assert OrganisationCardChange.select().where(OrganisationCardChange.organisation == home).count() >= 1
    assert OrganisationCardChange.select().count() > 1
    assert CardParameter.select().count() == 2


def test_counts_match_the_database(demo_db):
    assert demo_db['memberships'] == Membership.select().count()
    assert demo_db['order_lines'] == OrderLine.select().count()
    assert demo_db['orders'] == Order.select().count()
    assert demo_db['documents'] == IdentityDocument.select().count()
    assert demo_db['associations'] == Association.select().count()


def test_ids_continue_after_the_load(demo_db):
    """Sequences were moved past the explicit ids (PostgreSQL), so ordinary saves still work."""
    before = Person.select(fn.MAX(Person.id)).scalar()
    person = Person(surname='Проверкина', name='Ёлка', birth_date=datetime.date(2015, 1, 1), gender='F')
    person.save()
    try:
        assert person.id > before and person.name_key == 'елка'
    finally:
        person.delete_instance()


def test_refuses_a_database_that_is_not_empty(demo_db):
    with pytest.raises(RuntimeError):
        demo.load_demo_region(children=10, organisations=30)


def test_same_seed_same_region(tmp_path):
    """Deterministic for a seed and a date (always on SQLite, in files of its own)."""
    previous = models.db.obj
    rows = []
    try:
        for n in range(2):
            models.db.initialize(models.make_database('sqlite:///' + str(tmp_path / f'seed{n}.db')))
            models.migrate()
            demo.load_demo_region(children=150, organisations=40, seed=11,
                                  today=datetime.date(2024, 2, 29))
            rows.append(list(Person.select(Person.surname, Person.name, Person.patronymic, Person.birth_date,
                                           Person.snils).order_by(Person.id).tuples()))
            rows[-1] += list(Organisation.select().order_by(Organisation.id).tuples())
            rows[-1] += list(OrganisationCardChange.select().order_by(OrganisationCardChange.id).tuples())
            rows[-1] += list(CardParameterValue.select().order_by(CardParameterValue.id).tuples())
            rows[-1] += list(models.MonitoringSnapshot.select().order_by(
                models.MonitoringSnapshot.organisation, models.MonitoringSnapshot.taken_on).tuples())
            child = User.get(User.login == 'child-13').person
            assert demo.age_on(child.birth_date, datetime.date(2024, 2, 29)) == 13
            assert SchoolYear.select().first().start_year == 2023
            models.db.close()
    finally:
        if previous is not None:
            models.db.initialize(previous)
    assert rows[0] == rows[1] and len(rows[0]) > 150  # monitoring's snapshots included


def test_print_progress():
    out = io.StringIO()
    demo.print_progress(5, 10, 'дети', stream=out)
    demo.print_progress(10, 10, 'дети', stream=out)
    text = out.getvalue()
    assert text.startswith('\r') and '50.0%' in text and '100.0%' in text and text.endswith('\n')


def test_the_template_s_example_snils_is_nobody_s(app):
    """Issue 13: the example in the import template is below 001-001-998, where no number has a
    check digit, and no demo person carries it."""
    from services.registry.documents import EXAMPLE_SNILS, is_valid_snils
    from keys import digits_key
    assert is_valid_snils(EXAMPLE_SNILS) and int(digits_key(EXAMPLE_SNILS)[:9]) < 1001998
    demo.load_demo_region(children=300, organisations=8, seed=11, today=datetime.date(2026, 12, 1))
    assert not Person.select().where(Person.snils == digits_key(EXAMPLE_SNILS)).exists()


def test_personal_files_of_the_demo(demo_db):
    """A family sharing its mother, a passport that replaced a certificate, consents, a duplicate."""
    from models import Consent, Guardian
    from services.personal_file import possible_duplicates
    home = _home_odo()
    matvey = Person.get(Person.surname == 'Соколов', Person.name == 'Матвей')
    varvara, twin = Person.select().where(Person.surname == 'Соколова', Person.name == 'Варвара').order_by(
        Person.snils.is_null(), Person.id)
    assert {g.parent_id for g in Guardian.select().where(Guardian.child.in_([matvey.id, varvara.id]),
                                                          Guardian.relation == 'mother')} == {
        Guardian.get(Guardian.child == matvey).parent_id}
    current = {d.kind: d.is_current for d in matvey.documents}
    assert current == {'passport_rf': True, 'birth_certificate_rf': False}
    assert Consent.select().where(Consent.person.in_([matvey.id, varvara.id])).count() == 2
    assert Membership.select().where(Membership.person == varvara.id, Membership.organisation == home,
                                     Membership.ended_on.is_null()).exists()
    assert twin.id in {c.person_id for c in possible_duplicates(varvara, organisation_id=home.id)}
