"""Small, readable builders of test data."""
import datetime
from types import SimpleNamespace

from models import (Employment, Municipality, Organisation, Person, Region, Role, SchoolYear,
                    Settlement, User, UserRole)
from services.auth.passwords import hash_password

PASSWORD = 'Demo-2024!'
_HASH = None


def password_hash():
    global _HASH  # scrypt is slow on purpose; hash the shared test password once
    if _HASH is None:
        _HASH = hash_password(PASSWORD)
    return _HASH


def organisation(region, municipality, settlement, kind, name, authority=None):
    org = Organisation.create(region=region, municipality=municipality, settlement=settlement,
                              kind=kind, short_name=name, full_name=name, authority=authority)
    if kind not in ('municipal_body', 'regional_body'):
        SchoolYear.create(organisation=org, start_year=2026, state='current',
                          starts_on=datetime.date(2026, 9, 1), ends_on=datetime.date(2027, 8, 31))
    return org


def person(surname, name, patronymic='', birth_date=datetime.date(1985, 5, 17), gender='F',
           snils=None):
    return Person.create(surname=surname, name=name, patronymic=patronymic,
                         birth_date=birth_date, gender=gender, snils=snils)


def user(login, org, role_code, person=None, email=''):
    account = User.create(login=login, password_hash=password_hash(), person=person, email=email)
    UserRole.create(user=account, organisation=org, role=Role.get(Role.code == role_code))
    return account


def region_tree():
    region = Region.create(name='Сахалинская обл', code='65')
    city = Municipality.create(region=region, name='Городской округ Южно-Сахалинск')
    other = Municipality.create(region=region, name='Корсаковский городской округ')
    town = Settlement.create(municipality=city, name='Южно-Сахалинск, г.')
    village = Settlement.create(municipality=city, name='Синегорск, с.')
    korsakov = Settlement.create(municipality=other, name='Корсаков, г.')
    body = organisation(region, city, None, 'municipal_body',
                        'Департамент образования г. Южно-Сахалинска')
    odo = organisation(region, city, town, 'odo', 'МАУДО Центр детского творчества', body)
    other_odo = organisation(region, city, town, 'odo', 'МБУДО Дом детского творчества', body)
    school = organisation(region, city, town, 'school', 'МАОУ СОШ № 1', body)
    far_odo = organisation(region, other, korsakov, 'odo', 'МБУДО ЦДТ г. Корсакова')
    admin_person = person('Смирнова', 'Ольга', 'Петровна', snils='11223344595')
    teacher_person = person('Ёлкин', 'Иван', 'Сергеевич', gender='M')
    Employment.create(person=admin_person, organisation=odo, position='Заместитель директора')
    Employment.create(person=teacher_person, organisation=odo,
                      position='Педагог дополнительного образования')
    admin = user('odo-admin', odo, 'odo_admin', admin_person, email='admin@example.org')
    UserRole.create(user=admin, organisation=other_odo, role=Role.get(Role.code == 'odo_admin'))
    teacher = user('odo-teacher', odo, 'teacher', teacher_person)
    specialist = user('uo-specialist', body, 'authority_specialist')
    far_admin = user('far-admin', far_odo, 'odo_admin')
    return SimpleNamespace(region=region, city=city, other=other, town=town, village=village,
                           korsakov=korsakov, body=body, odo=odo, other_odo=other_odo,
                           school=school, far_odo=far_odo, admin=admin, teacher=teacher,
                           specialist=specialist, far_admin=far_admin)


# --- Registry builders (enrolment from the registry) ----------------------------------

def child(surname, name, patronymic='', birth=datetime.date(2015, 3, 1), gender='F', snils=None,
          no_patronymic=False, document=None):
    """A child of the registry; ``document`` is (kind, series, number)."""
    from models import IdentityDocument
    person = Person.create(surname=surname, name=name, patronymic=patronymic,
                           no_patronymic=no_patronymic, birth_date=birth, gender=gender, snils=snils)
    if document:
        kind, series, number = document
        IdentityDocument.create(person=person, kind=kind, series=series, number=number,
                                issued_on=birth + datetime.timedelta(days=20))
    return person


def association(org, name, grade=None, kind='association', program=True):
    from models import Association, Program
    year = SchoolYear.get(SchoolYear.organisation == org, SchoolYear.state == 'current')
    made = Program.create(organisation=org, focus='arts', name=f'Программа {name}') if program else None
    return Association.create(organisation=org, school_year=year, program=made, name=name,
                              grade=grade, kind=kind)


def place(person, association, started=datetime.date(2026, 9, 1), ended=None, end_kind='',
          end_reason='', destination=''):
    """A membership (it takes the child's surname key and gender itself); with ``ended`` and
    ``end_kind`` it is a departure (выбытие, выпуск)."""
    from models import Membership
    return Membership.create(person=person, association=association,
                             organisation=association.organisation_id, started_on=started,
                             ended_on=ended, end_kind=end_kind, end_reason=end_reason,
                             destination=destination)


def enrolment_draft(org, number='1', act_date=datetime.date(2026, 10, 1)):
    from models import Order
    year = SchoolYear.get(SchoolYear.organisation == org, SchoolYear.state == 'current')
    return Order.create(organisation=org, school_year=year, kind='enrolment', number=number,
                        document_date=act_date, act_date=act_date)


# --- Imports of children (issue 6) -------------------------------------------------------

def import_setup(org, names=('1а Бисер', '2б Робототехника'), order_number='15'):
    """Объединения of the current year and a draft enrolment order, for import tests."""
    from models import Association, Order, Program
    year = SchoolYear.get(SchoolYear.organisation == org, SchoolYear.state == 'current')
    program = Program.create(organisation=org, focus='arts', name='Бисероплетение')
    associations = [Association.create(organisation=org, school_year=year, program=program,
                                       name=name, capacity=30) for name in names]
    order = Order.create(organisation=org, school_year=year, kind='enrolment',
                         number=order_number, document_date=datetime.date(2026, 9, 1),
                         act_date=datetime.date(2026, 9, 1))
    return SimpleNamespace(year=year, program=program, associations=associations, order=order)


def child_with_certificate(surname, name, patronymic, birth_date, gender='F', snils=None,
                           series='II-ФВ', number='123456'):
    from models import IdentityDocument
    child = person(surname, name, patronymic, birth_date=birth_date, gender=gender, snils=snils)
    IdentityDocument.create(person=child, kind='birth_certificate_rf', series=series, number=number)
    return child
