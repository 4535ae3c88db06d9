"""The teacher's world (issue 14, item 7): the standard teacher's role opens only their own
объединения, and each child there has a card with what a teacher needs — and nothing else."""
import datetime

import pytest

from models import AuditEvent, Employment, Membership, Role
from tests import builders

BIRTH = datetime.date(2015, 3, 1)


def age_today(birth):
    today = datetime.date.today()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


@pytest.fixture
def classes(app, region):
    """The teacher's «1а Бисер» with Анна (a СНИЛС, a birth certificate, and a place in another
    organisation as well); the administrator's «2б Танцы» with Вера; Олег left «1а Бисер»."""
    with app.app_context():
        teaching = Employment.get(Employment.person == region.teacher.person_id)
        beads = builders.association(region.odo, '1а Бисер', builders.program(region.odo),
                                     teacher=teaching)
        dances = builders.association(region.odo, '2б Танцы')
        anna = builders.child('Иванова', 'Анна', birth_date=BIRTH, snils='11122233396',
                              document=('birth_certificate_rf', 'I-ФС', '654321'))
        builders.place(anna, beads, started=builders.day(9, 14))
        builders.place(anna, dances, started=builders.day(10, 1))
        builders.place(anna, builders.association(region.other_odo, '3в Хор'))
        vera = builders.child('Петрова', 'Вера')
        builders.place(vera, dances)
        oleg = builders.child('Сидоров', 'Олег', gender='M')
        builders.place(oleg, beads, ended=builders.day(10, 5), end_kind='withdrawal',
                       end_reason='moved')
        return {'anna': anna, 'vera': vera, 'oleg': oleg}


def card(client, person):
    return client.get(f'/my/children/{person.id}')


def test_the_teacher_opens_their_child_s_card_with_what_a_teacher_needs(client, region, classes):
    assert client.sign_in('odo-teacher', organisation=region.odo).status_code == 303
    home = client.get('/').get_data(as_text=True)
    assert f'href="/my/children/{classes["anna"].id}"' in home
    answer = card(client, classes['anna'])
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert '<h1>Иванова Анна Сергеевна</h1>' in page
    assert '01.03.2015' in page and f'<dd>{age_today(BIRTH)} ' in page and 'женский' in page.lower()
    assert '«1а Бисер» — Бисероплетение, 1-й год обучения; занимается с 14.09.2026' in page
    # Not the administrator's объединение, not another organisation, no documents, no СНИЛС.
    for absent in ('2б Танцы', '3в Хор', 'МБУДО Дом детского творчества', '654321', 'I-ФС',
                   'Свидетельство', '111-222-333 96', '11122233396', 'История движения'):
        assert absent not in page, absent
    viewed = AuditEvent.get(AuditEvent.event == 'child_card_viewed')
    assert (viewed.user_id, viewed.object_id, viewed.organisation_id) == (
        region.teacher.id, str(classes['anna'].id), region.odo.id)


def test_a_child_outside_the_teacher_s_own_objedineniya_is_not_found(client, region, classes):
    client.sign_in('odo-teacher', organisation=region.odo)
    for kid in (classes['vera'], classes['oleg']):  # another teacher's group; a child who left
        assert card(client, kid).status_code == 404
    assert client.get('/my/children/999999').status_code == 404
    assert not AuditEvent.select().where(AuditEvent.event == 'child_card_viewed').exists()


def test_the_card_ends_when_the_child_leaves_the_group(app, client, region, classes):
    client.sign_in('odo-teacher', organisation=region.odo)
    assert card(client, classes['anna']).status_code == 200
    (Membership.update(ended_on=builders.day(11, 1))
     .where(Membership.person == classes['anna'], Membership.organisation == region.odo).execute())
    assert card(client, classes['anna']).status_code == 404


def test_the_administrator_opens_only_the_children_they_teach_and_others_none(client, region, classes):
    # The administrator teaches «2б Танцы» (the organisation's first employee): Вера is theirs.
    client.sign_in('odo-admin', organisation=region.odo)
    assert card(client, classes['vera']).status_code == 200
    assert card(client, classes['oleg']).status_code == 404
    client.post_form('/logout')
    client.sign_in('far-admin', organisation=region.far_odo)
    for kid in classes.values():
        assert card(client, kid).status_code == 404
    client.post_form('/logout')
    client.sign_in('uo-specialist', organisation=region.body)
    assert card(client, classes['anna']).status_code == 404


def test_a_child_cannot_open_another_child_s_card(app, client, region, classes):
    with app.app_context():
        kid = builders.child('Соколов', 'Артём', 'Игоревич', datetime.date(2014, 4, 4), gender='M')
        builders.user('child-13', region.odo, 'student', kid)
        builders.place(kid, classes['anna'].memberships.first().association)
    client.sign_in('child-13', organisation=region.odo)
    assert card(client, classes['anna']).status_code == 404
    assert card(client, kid).status_code == 404


def test_the_standard_teacher_s_role_carries_no_book(app):
    assert Role.get(Role.code == 'teacher').movement_book == 'none'
