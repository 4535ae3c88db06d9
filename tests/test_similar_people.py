"""The similar-person engine finds the same child through each kind of noise, and groups the
candidates by where the child is."""
import datetime

import pytest

from models import Membership
from services.registry.similar_people import Incoming, find_similar, fold, from_latin
from tests import builders

BIRTH = datetime.date(2014, 4, 7)


@pytest.fixture
def registry(app, region):
    with app.app_context():
        target = builders.child('Ёлкина', 'Мария', 'Петровна', BIRTH, snils='11223344595',
                                document=('birth_certificate_rf', 'IV-ЖС', '654321'))
        # Look-alikes that must not win: a sister born on another day, a namesake born elsewhen.
        builders.child('Ёлкина', 'Дарья', 'Петровна', datetime.date(2016, 1, 20),
                       document=('birth_certificate_rf', 'V-ЖС', '111111'))
        builders.person('Ёлкина', 'Мария', 'Андреевна', birth_date=datetime.date(2009, 11, 30))
        return target


def best(incoming, organisation_id=None):
    candidates = find_similar([incoming], organisation_id)[0]
    return candidates[0] if candidates else None


def incoming(**changes):
    values = dict(surname='Ёлкина', name='Мария', patronymic='Петровна', birth_date=BIRTH, gender='F')
    values.update(changes)
    return Incoming(**values)


@pytest.mark.parametrize('noise', [
    dict(surname='Елкина'),                                   # ё/е
    dict(surname='Ёлкиан'),                                   # typo in the surname
    dict(name='Мрия'),                                        # typo in the name
    dict(surname='Мария', name='Ёлкина'),                     # surname and name swapped
    dict(patronymic=''),                                      # patronymic missing
    dict(surname='Ёлкинa'),                                   # Latin 'a' inside Cyrillic
    dict(surname='Yolkina', name='Mariia', patronymic='Petrovna'),  # transliterated
    dict(surname='Elkina', name='Maria', patronymic=''),      # transliterated, another spelling
    dict(birth_date=datetime.date(2014, 7, 4)),               # day and month swapped
    dict(surname='  ЁЛКИНА ', name='мария'),                  # case and spaces
    dict(documents=[('passport_rf', '6428123456')]),          # a new passport at 14
])
def test_each_noise_kind_still_finds_the_child(registry, noise):
    found = best(incoming(**noise))
    assert found is not None and found.person_id == registry.id, noise
    assert not found.exact  # only СНИЛС or document + birth date are exact


@pytest.mark.parametrize('noise', [
    dict(surname='Ёлкниа', name='Маря'),                      # a typo in both names
    dict(surname='Мария', name='Ёлкиан'),                     # swapped, and a typo in the surname
    dict(surname='Марья', name='Ёлкина'),                     # swapped, and a typo in the name
    dict(surname='Ёлкниа', birth_date=datetime.date(2014, 7, 4)),  # a typo and day/month swapped
    dict(surname='ЁЛКНИА', patronymic=''),                    # a typo, case, no patronymic
])
def test_two_noise_kinds_at_once_still_find_the_child(registry, noise):
    found = best(incoming(**noise))
    assert found is not None and found.person_id == registry.id, noise


def test_a_stranger_with_the_same_birth_date_and_first_letters_is_not_shown(registry):
    stranger = builders.person('Ёжикова', 'Марина', 'Ивановна', birth_date=BIRTH)
    candidates = find_similar([incoming(surname='Ёлкниа', name='Маря')])[0]
    assert stranger.id not in [c.person_id for c in candidates]
    assert candidates[0].person_id == registry.id


def test_fields_that_differ_are_named(registry):
    found = best(incoming(surname='Елкина', birth_date=datetime.date(2014, 7, 4)))
    assert 'birth_date' in found.differ and 'name' in found.agree
    assert 'surname' in found.agree  # ё and е are the same letter when matching


def test_same_snils_is_exact_even_with_other_names(registry):
    found = best(incoming(surname='Иванова', name='Ольга', snils='11223344595'))
    assert found.person_id == registry.id and found.exact and 'snils' in found.agree


def test_same_document_and_birth_date_is_exact(registry):
    found = best(incoming(surname='Петрова', documents=[('birth_certificate_rf', 'IVЖС654321')]))
    assert found.person_id == registry.id and found.exact
    other_day = best(incoming(surname='Петрова', birth_date=datetime.date(2014, 4, 9),
                              documents=[('birth_certificate_rf', 'IVЖС654321')]))
    assert other_day is not None and not other_day.exact


def test_a_different_birth_date_weighs_against(registry):
    found = find_similar([incoming(birth_date=datetime.date(2011, 10, 23))])[0]
    assert all(c.score < 80 for c in found)
    assert not any(c.exact for c in found)


def test_a_different_snils_weighs_against(registry):
    same = best(incoming())
    other = best(incoming(snils='12345678964'))
    assert other is None or other.score < same.score - 30


def test_a_new_child_gets_no_candidate(registry):
    assert find_similar([incoming(surname='Кузнецова', name='Вера', patronymic='Олеговна',
                                  birth_date=datetime.date(2015, 6, 1))])[0] == []


def test_candidates_are_grouped_by_where_the_child_is(registry, region):
    here = builders.import_setup(region.odo).associations[0]
    school = builders.import_setup(region.school, names=('3а',), order_number='3').associations[0]
    sister = builders.person('Ёлкина', 'Мария', 'Петровна', birth_date=datetime.date(2014, 4, 17))
    twin = builders.person('Ёлкина', 'Мария', 'Павловна', birth_date=BIRTH)
    Membership.create(person=sister, association=here, organisation=region.odo,
                      started_on=datetime.date(2026, 9, 1))
    Membership.create(person=twin, association=school, organisation=region.school,
                      started_on=datetime.date(2026, 9, 1))
    candidates = find_similar([incoming()], region.odo.id)[0]
    groups = {c.person_id: c.group for c in candidates}
    assert groups[registry.id] == 'free' and groups[sister.id] == 'here' and groups[twin.id] == 'other'
    twin_candidate = next(c for c in candidates if c.person_id == twin.id)
    assert twin_candidate.organisations == [{'id': region.school.id, 'name': 'МАОУ СОШ № 1'}]
    assert candidates[0].person_id == registry.id  # the exact person first


def test_batches_map_candidates_back_to_their_rows(registry):
    rows = [incoming(surname='Кузнецова', name='Вера', birth_date=datetime.date(2015, 6, 1)),
            incoming(surname='Елкина'),
            incoming(name='Дарья', birth_date=datetime.date(2016, 1, 20))]
    for batch, block in ((2, 5000), (1, 2)):  # across batches, and across blocking blocks
        results = find_similar(rows, batch=batch, block=block)
        assert results[0] == [] and results[1][0].person_id == registry.id
        assert results[2][0].person.get('full_name') == 'Ёлкина Дарья Петровна'


def test_folding():
    assert fold(' Ёлкинa ') == 'елкина' and fold('Shchukin') == 'щукин'
    assert from_latin('yulia') == 'юля' and fold('Kseniya') == 'ксения'
