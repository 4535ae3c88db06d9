"""Personal files of the demo region: a family whose mother is one registry person for two
children, a passport that replaced a birth certificate (the certificate stays as former),
consents, a change history, and a duplicate of a child enrolled in the second ОДО to merge.

Written after the bulk load with the models: three children the load made (the first by id that
fit) become the Соколовы, so the region keeps its number of children; the same seed and day give
the same rows."""
import datetime

from keys import name_key
from models import (Consent, Guardian, IdentityDocument, Membership, Person, PersonalFile,
                    PersonChange, User)
from services.common import age_on
from services.personal_file.edits import CONSENT_SCOPE, DEFAULT_CATEGORIES
from services.registry.documents import snils_check_number

ZAGS = 'Отдел ЗАГС г. Южно-Сахалинска агентства ЗАГС Сахалинской области'
ADDRESS = 'Южно-Сахалинск, г., ул. Комсомольская, д. 12, кв. 7'


def _free_snils(start):
    """The first valid СНИЛС from ``start`` (nine digits) that nobody holds."""
    body = int(start)
    while True:
        first9 = f'{body:09d}'
        snils = f'{first9}{snils_check_number(first9):02d}'
        if not Person.select().where(Person.snils == snils).exists():
            return snils
        body += 1


def _pupil(organisation, today, ages, taken):
    """The first child (by id) of the organisation's open memberships of these ages, not signing in."""
    users = User.select(User.person).where(User.person.is_null(False))
    query = (Person.select().join(Membership, on=(Membership.person == Person.id))
             .where(Membership.organisation == organisation, Membership.ended_on.is_null(),
                    Person.is_staff == False, Person.id.not_in(users))  # noqa: E712
             .order_by(Person.id).distinct())
    return next((p for p in query if p.id not in taken and age_on(p.birth_date, today) in ages), None)


def _rename(person, surname, name, patronymic, gender, **fields):
    Person.update(surname=surname, name=name, patronymic=patronymic, no_patronymic=False, gender=gender,
                  surname_key=name_key(surname), name_key=name_key(name), patronymic_key=name_key(patronymic),
                  **fields).where(Person.id == person.id).execute()
    return Person.get_by_id(person.id)


def add_personal_files(loader):
    today = loader.today
    at = loader.stored(loader.starts_on, 10)
    home, second = loader.home_odo.id, loader.second_odo.id
    admin = User.get(User.login == 'odo-admin')
    taken = set()
    found = []
    for organisation, ages in ((home, range(14, 18)), (home, range(8, 13)), (second, range(8, 13))):
        pupil = _pupil(organisation, today, ages, taken)
        if pupil is None:
            return
        taken.add(pupil.id)
        found.append(pupil)
    matvey, varvara, twin = found
    matvey = _rename(matvey, 'Соколов', 'Матвей', 'Андреевич', 'M', snils=_free_snils('170100100'),
                     address=ADDRESS, phone='+7 914 700-10-01')
    varvara = _rename(varvara, 'Соколова', 'Варвара', 'Андреевна', 'F', snils=_free_snils('170100200'),
                      address=ADDRESS)
    # The same Варвара typed again by the second ОДО, without СНИЛС, with her certificate's number.
    twin = _rename(twin, 'Соколова', 'Варвара', 'Андреевна', 'F', snils=None, birth_date=varvara.birth_date)
    mother = Person.create(surname='Соколова', name='Елена', patronymic='Викторовна',
                           birth_date=datetime.date(1984, 6, 9), gender='F', snils=_free_snils('170100300'),
                           phone='+7 914 700-10-02', email='sokolova.ev@example.org')
    # Матвей's passport (the load gave a child of 14 one) replaced his birth certificate.
    IdentityDocument.update(is_current=False).where(IdentityDocument.person == matvey).execute()
    IdentityDocument.create(person=matvey, kind='birth_certificate_rf', series='I-ФС', number='610203',
                            issued_on=matvey.birth_date + datetime.timedelta(days=12), issued_by=ZAGS,
                            civil_record_number='1234', is_current=False)
    passport = (IdentityDocument.select().where(IdentityDocument.person == matvey,
                                                IdentityDocument.kind == 'passport_rf')
                .order_by(IdentityDocument.id).first())
    if passport is not None:
        IdentityDocument.update(is_current=True).where(IdentityDocument.id == passport.id).execute()
        PersonChange.create(person=matvey, at=at, user=admin, organisation=home, field='document',
                            old_value='Свидетельство о рождении РФ I-ФС № 610203',
                            new_value=f'Паспорт РФ {passport.series} № {passport.number}')
    for child in (matvey, varvara):
        Guardian.create(child=child, parent=mother, relation='mother', surname=mother.surname, name=mother.name,
                        patronymic=mother.patronymic, phone=mother.phone, email=mother.email,
                        document='Паспорт РФ 6404 550011')
        Consent.create(person=child, organisation=home, signed_by=mother.full_name,
                       signed_on=loader.starts_on, scope=CONSENT_SCOPE, recorded_by=admin)
    Guardian.create(child=varvara, relation='father', surname='Соколов', name='Андрей', patronymic='Ильич',
                    phone='+7 914 700-10-03')
    PersonalFile.create(person=varvara, registration_address=ADDRESS, categories=DEFAULT_CATEGORIES[3])
    Membership.copy_person_keys([matvey.id, varvara.id, twin.id])
    loader.counts[IdentityDocument] = loader.counts.get(IdentityDocument, 0) + 1
    loader.counts[Person] = loader.counts.get(Person, 0) + 1
    loader.demo['personal_files'] = {'family': [matvey.id, varvara.id], 'duplicate': [varvara.id, twin.id]}
