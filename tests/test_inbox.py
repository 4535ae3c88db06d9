"""The inbox is a place: always in the administrator's menu with the unread count; a request
links to the child, becomes a withdrawal draft with that child in it, or is declined with a
reason that goes back to its sender; read messages stay listed."""
import html
import re

import pytest

from models import Membership, Message, Order, OrderLine
from services import movement
from tests import builders

DEC_1 = builders.day(12, 1)


@pytest.fixture
def request_about_child(app, region):
    """A child of the ОДО's «1а Бисер», and a request from another ОДО to record a departure."""
    with app.app_context():
        beads = builders.association(region.odo, '1а Бисер')
        kid = builders.child('Орлова', 'Софья', 'Ивановна')
        builders.committed(region.odo, Order.ENROLMENT, 1, [kid], to=beads)
        message = Message.create(
            sender_organisation=region.other_odo, recipient_organisation=region.odo, person=kid,
            subject='Запрос на выбытие: Орлова Софья Ивановна',
            body='Организация «МБУДО Дом детского творчества» зачисляет ребёнка и просит оформить выбытие.')
        return message, kid, beads


def page_text(response):
    return html.unescape(response.get_data(as_text=True))


def withdrawal_form(**fields):
    return {'number': '12-в', 'document_date': DEC_1.isoformat(), 'act_date': DEC_1.isoformat(),
            'reason': 'other_organisation', 'destination': 'МБУДО Дом детского творчества', **fields}


def test_the_inbox_is_in_the_menu_with_or_without_unread_messages(admin_client, region):
    assert '<a href="/inbox/">Входящие</a>' in admin_client.get('/').get_data(as_text=True)
    with admin_client.application.app_context():
        for n in range(3):
            Message.create(sender_organisation=region.other_odo, recipient_organisation=region.odo,
                           subject=f'Сообщение {n}')
    page = admin_client.get('/movement/').get_data(as_text=True)
    assert ' aria-label="Входящие, непрочитанных: 3">Входящие <span class="count">3</span></a>' in page


def test_read_messages_stay_listed_after_the_unread(app, admin_client, region):
    with app.app_context():
        old = Message.create(sender_organisation=region.other_odo, recipient_organisation=region.odo,
                             subject='Прочитанное', created_at=builders.day(10, 1))
        Message.create(sender_organisation=region.other_odo, recipient_organisation=region.odo,
                       subject='Новое', created_at=builders.day(9, 20))
    admin_client.post_form(f'/inbox/{old.id}/read', page='/inbox/')
    page = page_text(admin_client.get('/inbox/'))
    assert page.index('Новое') < page.index('Прочитанное')  # unread first, though older
    assert re.search(r'id="message-\d+">\s*<h2>Прочитанное</h2>\s*<p class="muted">[^<]*· прочитано', page)
    assert 'Непрочитанных: 1' in page


def test_a_request_links_to_the_child_s_movement_history(admin_client, request_about_child):
    message, kid, _ = request_about_child
    page = page_text(admin_client.get('/inbox/'))
    assert f'<a href="/movement/children/{kid.id}">История движения ребёнка: Орлова Софья Ивановна</a>' in page
    assert admin_client.get(f'/movement/children/{kid.id}').status_code == 200
    assert f'href="/inbox/{message.id}/withdrawal">Оформить выбытие</a>' in page


def test_the_withdrawal_form_is_filled_from_the_request(admin_client, request_about_child):
    message, _, _ = request_about_child
    page = page_text(admin_client.get(f'/inbox/{message.id}/withdrawal'))
    assert 'Оформить выбытие: Орлова Софья Ивановна' in page
    assert '«1а Бисер» (2026/2027), занимается с 01.09.2026' in page
    assert 'name="destination" value="МБУДО Дом детского творчества"' in page


def test_a_request_becomes_a_withdrawal_draft_with_the_child_then_commits_as_usual(
        app, admin_client, request_about_child):
    message, kid, beads = request_about_child
    response = admin_client.post_form(f'/inbox/{message.id}/withdrawal',
                                      withdrawal_form(association_from=beads.id),
                                      page=f'/inbox/{message.id}/withdrawal')
    order = Order.get(Order.kind == Order.WITHDRAWAL)
    assert response.status_code == 303 and response.headers['Location'] == f'/movement/orders/{order.id}'
    assert order.status == Order.DRAFT and order.number == '12-в' and order.act_date == DEC_1
    line = OrderLine.get(OrderLine.order == order)
    assert (line.person_id, line.association_from_id, line.reason) == (kid.id, beads.id, 'other_organisation')
    stored = Message.get_by_id(message.id)
    assert stored.order_id == order.id and stored.read_at is not None
    page = page_text(admin_client.get(response.headers['Location']))
    assert 'Черновик приказа о выбытии №12-в от 01.12.2026 создан' in page and 'Орлова Софья Ивановна' in page
    inbox = page_text(admin_client.get('/inbox/'))
    assert 'Оформлен приказ о выбытии' in inbox and '№12-в от 01.12.2026' in inbox
    assert f'/inbox/{message.id}/withdrawal">Оформить выбытие' not in inbox
    with app.app_context():
        movement.commit_order(order)
    assert Membership.get(Membership.person == kid.id).ended_on == DEC_1


def test_a_second_withdrawal_from_the_same_request_is_refused(admin_client, request_about_child):
    message, _, beads = request_about_child
    form = withdrawal_form(association_from=beads.id)
    admin_client.post_form(f'/inbox/{message.id}/withdrawal', form, page='/inbox/')
    order = Order.get(Order.kind == Order.WITHDRAWAL)
    again = admin_client.get(f'/inbox/{message.id}/withdrawal')
    assert again.status_code == 303 and again.headers['Location'] == f'/movement/orders/{order.id}'
    response = admin_client.post_form(f'/inbox/{message.id}/withdrawal', dict(form, number='13-в'),
                                      page='/inbox/')
    assert response.status_code == 409
    assert 'По этому запросу уже оформлен приказ №12-в от 01.12.2026.' in page_text(response)
    assert Order.select().where(Order.kind == Order.WITHDRAWAL).count() == 1


@pytest.mark.parametrize('fields, sentence', [
    ({'reason': ''}, 'Выберите причину выбытия из списка.'),
    ({'number': '1'}, 'Приказ №1 уже есть в 2026/2027 учебном году'),
    ({'act_date': builders.day(8, 20).isoformat()}, 'Дата распорядительного акта'),
])
def test_a_refused_withdrawal_leaves_no_draft_behind(admin_client, request_about_child, fields, sentence):
    message, _, beads = request_about_child
    response = admin_client.post_form(f'/inbox/{message.id}/withdrawal',
                                      withdrawal_form(association_from=beads.id, **fields), page='/inbox/')
    assert response.status_code in (409, 422)
    assert sentence in page_text(response)
    assert not Order.select().where(Order.kind == Order.WITHDRAWAL).exists()
    assert Message.get_by_id(message.id).order_id is None


def test_no_withdrawal_for_a_child_who_no_longer_attends(app, admin_client, region, request_about_child):
    message, kid, beads = request_about_child
    with app.app_context():
        builders.committed(region.odo, Order.WITHDRAWAL, 2, [kid], on=builders.day(11, 1),
                           source=beads, reason='moved', destination='Хабаровск')
    page = page_text(admin_client.get(f'/inbox/{message.id}/withdrawal'))
    assert 'Ребёнок у вас сейчас не занимается' in page and 'name="number"' not in page
    response = admin_client.post_form(f'/inbox/{message.id}/withdrawal',
                                      withdrawal_form(association_from=beads.id), page='/inbox/')
    assert response.status_code == 422
    assert Order.select().where(Order.kind == Order.WITHDRAWAL).count() == 1


def test_a_declined_request_sends_the_reason_back_to_its_sender(app, admin_client, region,
                                                                request_about_child):
    message, kid, beads = request_about_child
    empty = admin_client.post_form(f'/inbox/{message.id}/decline', {'reason': '  '}, page='/inbox/')
    assert empty.status_code == 422
    assert 'Напишите причину отказа: её получит организация, приславшая запрос.' in page_text(empty)
    response = admin_client.post_form(f'/inbox/{message.id}/decline',
                                      {'reason': 'Ребёнок продолжает заниматься у нас.'}, page='/inbox/')
    assert response.status_code == 303
    answer = Message.get(Message.reply_to == message.id)
    assert (answer.sender_organisation_id, answer.recipient_organisation_id) == (region.odo.id, region.other_odo.id)
    assert answer.person_id == kid.id and answer.read_at is None
    assert answer.subject == 'Запрос на выбытие отклонён: Орлова Софья Ивановна'
    assert 'Причина: Ребёнок продолжает заниматься у нас.' in answer.body
    assert Message.get_by_id(message.id).read_at is not None
    inbox = page_text(admin_client.get('/inbox/'))
    assert 'Запрос отклонён' in inbox and 'Оформить выбытие</a>' not in inbox
    again = admin_client.post_form(f'/inbox/{message.id}/decline', {'reason': 'Ещё раз'}, page='/inbox/')
    assert again.status_code == 409 and 'Этот запрос уже отклонён: ответ отправлен.' in page_text(again)
    late = admin_client.post_form(f'/inbox/{message.id}/withdrawal',
                                  withdrawal_form(association_from=beads.id), page='/inbox/')
    assert late.status_code == 409 and not Order.select().where(Order.kind == Order.WITHDRAWAL).exists()
    assert admin_client.get(f'/inbox/{message.id}/withdrawal').headers['Location'] == f'/inbox/#message-{message.id}'
    # The sender reads it in its own inbox; an answer offers nothing to do.
    client = type(admin_client)(app.test_client())
    client.sign_in('odo-admin', organisation=region.other_odo)
    theirs = page_text(client.get('/inbox/'))
    assert 'Запрос на выбытие отклонён: Орлова Софья Ивановна' in theirs
    assert 'Оформить выбытие</a>' not in theirs and 'Отклонить' not in theirs
    assert client.get(f'/inbox/{answer.id}/withdrawal').status_code == 404


def test_a_request_with_a_drafted_withdrawal_cannot_be_declined(admin_client, request_about_child):
    message, _, beads = request_about_child
    admin_client.post_form(f'/inbox/{message.id}/withdrawal', withdrawal_form(association_from=beads.id),
                           page='/inbox/')
    response = admin_client.post_form(f'/inbox/{message.id}/decline', {'reason': 'Нет'}, page='/inbox/')
    assert response.status_code == 409 and 'Чтобы отказаться, удалите этот приказ.' in page_text(response)
    assert not Message.select().where(Message.reply_to == message.id).exists()


def test_a_long_reason_is_refused_in_russian(admin_client, request_about_child):
    message, _, _ = request_about_child
    response = admin_client.post_form(f'/inbox/{message.id}/decline', {'reason': 'я' * 1001}, page='/inbox/')
    assert response.status_code == 422 and 'не длиннее 1000 знаков' in page_text(response)


def test_another_organisation_s_request_is_not_found(client, region, request_about_child):
    message, _, beads = request_about_child
    client.sign_in('far-admin', organisation=region.far_odo)
    assert client.get(f'/inbox/{message.id}/withdrawal').status_code == 404
    for path, form in ((f'/inbox/{message.id}/withdrawal', withdrawal_form(association_from=beads.id)),
                       (f'/inbox/{message.id}/decline', {'reason': 'Нет'})):
        assert client.post_form(path, form, page='/inbox/').status_code == 404
    assert Message.get_by_id(message.id).read_at is None
    assert not Message.select().where(Message.reply_to == message.id).exists()


def test_a_teacher_has_no_inbox(client, region, request_about_child):
    client.sign_in('odo-teacher', organisation=region.odo)
    assert client.get('/inbox/').status_code == 403
    assert 'href="/inbox/"' not in client.get('/').get_data(as_text=True)
