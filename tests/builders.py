"""The test data vocabulary: places, organisations, people, programs, объединения, memberships
and orders. Orders go through the real rules (services.movement); the rest is written directly."""
import datetime
from types import SimpleNamespace

from models import (Association, Employment, IdentityDocument, Membership, Municipality, Order,
                    Organisation, OrganisationManager, Person, Program, Region, Role, SchoolYear, Settlement, User,
                    UserRole)
from services import movement
from services.auth.passwords import hash_password
from services.registry.documents import snils_check_number

PASSWORD = 'Demo-2024!'
_HASH = None
SEP_1 = datetime.date(2026, 9, 1)


def password_hash():
    global _HASH  # scrypt is slow on purpose; hash the shared test password once
    if _HASH is None:
        _HASH = hash_password(PASSWORD)
    return _HASH


def day(month, date, year=None):
    """A date of the 2026/2027 school year every organisation has: day(10, 1) is 01.10.2026."""
    return datetime.date(year or (2026 if month >= 9 else 2027), month, date)


def valid_snils(first9):
    return f'{first9}{snils_check_number(first9):02d}'


# --- Places, organisations, staff ----------------------------------------------------------

def organisation(region, municipality, settlement, kind, name, authority=None):
    org = Organisation.create(region=region, municipality=municipality, settlement=settlement,
                              kind=kind, short_name=name, full_name=name, authority=authority)
    if kind not in ('municipal_body', 'regional_body'):
        SchoolYear.create(organisation=org, start_year=2026, state=SchoolYear.CURRENT,
                          starts_on=SEP_1, ends_on=datetime.date(2027, 8, 31))
    return org


def person(surname, name, patronymic='', birth_date=datetime.date(1985, 5, 17), gender='F',
           snils=None):
    return Person.create(surname=surname, name=name, patronymic=patronymic,
                         birth_date=birth_date, gender=gender, snils=snils)


def user(login, org, role_code, person=None, email=''):
    account = User.create(login=login, password_hash=password_hash(), person=person, email=email)
    UserRole.create(user=account, organisation=org, role=Role.get(Role.code == role_code))
    return account


def director(org, surname, name, patronymic, position='Директор'):
    """An employee chosen as the organisation's director on its card."""
    employment = Employment.create(person=person(surname, name, patronymic), organisation=org,
                                   position=position)
    OrganisationManager.create(organisation=org, employment=employment, kind='director')
    return employment


def region_tree():
    """The seed's sign-in chain: an ОДО with its administrator and teacher, a second ОДО the
    administrator also runs, a school, a management body and an ОДО of another municipality."""
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


# --- Children, programs, объединения, memberships --------------------------------------------

def child(surname='Иванова', name='Анна', patronymic='Сергеевна',
          birth_date=datetime.date(2015, 3, 1), gender='F', snils=None, no_patronymic=False,
          document=None):
    """A child of the registry; ``document`` is (kind, series, number), issued 20 days after birth."""
    kid = Person.create(surname=surname, name=name, patronymic=patronymic,
                        no_patronymic=no_patronymic, birth_date=birth_date, gender=gender,
                        snils=snils)
    if document:
        kind, series, number = document
        IdentityDocument.create(person=kid, kind=kind, series=series, number=number,
                                issued_on=birth_date + datetime.timedelta(days=20))
    return kid


def program(org, name='Бисероплетение', duration=3, focus='arts', **fields):
    return Program.create(organisation=org, name=name, focus=focus, duration_years=duration, **fields)


def association(org, name, program=None, study_year=1, capacity=15, year=None, teacher=None):
    """An объединение of the current year, taught by the organisation's first employee if any;
    without ``program`` it gets a program of its own."""
    program = program or Program.create(organisation=org, focus='arts', name=f'Программа {name}')
    teacher = teacher or Employment.select().where(Employment.organisation == org).first()
    return Association.create(organisation=org, school_year=year or SchoolYear.current_of(org),
                              program=program, name=name, study_year=study_year,
                              capacity=capacity, teacher=teacher)


def future_year(org):
    """The organisation's 2027/2028 school year being prepared (state «future»)."""
    return SchoolYear.get_or_create(organisation=org, start_year=2027, defaults={
        'state': SchoolYear.FUTURE, 'starts_on': datetime.date(2027, 9, 1),
        'ends_on': datetime.date(2028, 8, 31)})[0]


def school_class(org, name, grade):
    """A class of a school: no program, a параллель."""
    return Association.create(organisation=org, school_year=SchoolYear.current_of(org),
                              kind='class', name=name, grade=grade)


def place(kid, association, started=SEP_1, ended=None, end_kind='', end_reason='',
          destination=''):
    """A membership written directly (it takes the child's surname key and gender itself);
    with ``ended`` and ``end_kind`` it is a departure (выбытие, выпуск)."""
    return Membership.create(person=kid, association=association,
                             organisation=association.organisation_id, started_on=started,
                             ended_on=ended, end_kind=end_kind, end_reason=end_reason,
                             destination=destination)


ELKINA_SNILS = valid_snils('123123123')


def registry_children(region):
    """Children around the region: at school, in other ОДО, departed, graduated; and a draft
    enrolment order of the ОДО to add them to."""
    bead = association(region.odo, '1а Бисер')
    robots = association(region.other_odo, '2б Робототехника')
    grade5 = school_class(region.school, '5А', grade=5)
    grade7 = school_class(region.school, '7Б', grade=7)
    far = association(region.far_odo, '1в Хор')
    elkina = child('Ёлкина', 'Алёна', 'Игоревна', datetime.date(2014, 5, 3), snils=ELKINA_SNILS,
                   document=('birth_certificate_rf', 'II-ФВ', '123456'))
    place(elkina, grade5)
    petrov = child('Петров', 'Пётр', '', datetime.date(2010, 1, 20), gender='M', no_patronymic=True,
                   document=('passport_rf', '6408', '654321'))
    place(petrov, robots)
    place(petrov, grade7)
    departed = child('Сидорова', 'Мария', 'Олеговна', datetime.date(2013, 2, 2),
                     document=('birth_certificate_rf', 'IV-АБ', '222333'))
    place(departed, robots, started=datetime.date(2024, 9, 1), ended=datetime.date(2025, 5, 20),
          end_kind='withdrawal', end_reason='moved', destination='Переезд: Хабаровск')
    graduate = child('Иванов', 'Семён', 'Ильич', datetime.date(2008, 7, 7), gender='M')
    place(graduate, far, started=datetime.date(2021, 9, 1), ended=datetime.date(2024, 5, 31),
          end_kind='graduation')
    order = draft(region.odo, Order.ENROLMENT, 1, on=day(10, 1))
    return dict(bead=bead, robots=robots, grade5=grade5, grade7=grade7, far=far, elkina=elkina,
                petrov=petrov, departed=departed, graduate=graduate, order=order)


# --- Orders, through the real rules ----------------------------------------------------------

def draft(org, kind, number, on=SEP_1, document_date=None, user=None):
    return movement.create_draft(org, SchoolYear.current_of(org), user, kind, str(number),
                                 document_date or on, on)


def committed(org, kind, number, children, on=SEP_1, to=None, source=None, reason='', destination=''):
    """A committed order moving ``children``; fails the test if any child is refused."""
    order = draft(org, kind, number, on)
    result = movement.add_children_to_draft(order, [c.id for c in children], to,
                                            association_from=source, reason=reason,
                                            destination=destination)
    assert not result.refusals, result.refusals
    return movement.commit_order(order)


def import_setup(org, names=('1а Бисер', '2б Робототехника'), order_number='15'):
    """Объединения of one program for 30 children each and a draft enrolment order, for imports."""
    beads = program(org)
    associations = [association(org, name, beads, capacity=30) for name in names]
    return SimpleNamespace(year=SchoolYear.current_of(org), program=beads,
                           associations=associations,
                           order=draft(org, Order.ENROLMENT, order_number))


# --- Counting queries ---------------------------------------------------------------

class QueryCounter:
    """``with QueryCounter() as counted: …`` — how many statements peewee ran in the block, in this
    thread (a background import runner left by another test queries the same database)."""

    def __init__(self):
        import logging
        import threading
        self.logger, self.count = logging.getLogger('peewee'), 0
        self.thread = threading.get_ident()
        self.handler = logging.Handler(logging.DEBUG)
        self.handler.emit = self._counted

    def _counted(self, record):
        if record.thread == self.thread:
            self.count += 1

    def __enter__(self):
        self.level = self.logger.level
        self.logger.setLevel('DEBUG')
        self.logger.addHandler(self.handler)
        return self

    def __exit__(self, *exc):
        self.logger.removeHandler(self.handler)
        self.logger.setLevel(self.level)
