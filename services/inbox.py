"""«Входящие сообщения»: requests other organisations send about a child (a departure to
record) and the answers to them.  A request is answered by a withdrawal order drafted from it,
or declined with a reason that goes back to its sender as a message.  No Flask here."""
import re

from peewee import JOIN, fn

from compiled import compiled
from models import (Association, Membership, Message, Order, Organisation, Person, SchoolYear,
                    utcnow)
from services import movement
from services.common import Refused, locked, write_transaction

REASON_LIMIT = 1000
LIST_LIMIT = 200


@compiled
def _unread(organisation_id):  # on every page's menu
    return (Message.select(fn.COUNT(Message.id))
            .where(Message.recipient_organisation == organisation_id, Message.read_at.is_null())
            .tuples())


def unread_count(organisation):
    return _unread.scalar(organisation.id)


def messages_of(organisation, limit=LIST_LIMIT):
    """The organisation's messages, unread first, newest first within each; read ones stay."""
    return (Message.select(Message, Organisation, Order, Person)
            .join_from(Message, Organisation, on=Message.sender_organisation)
            .join_from(Message, Order, JOIN.LEFT_OUTER)
            .join_from(Message, Person, JOIN.LEFT_OUTER)
            .where(Message.recipient_organisation == organisation)
            .order_by(Message.read_at.is_null(False), Message.created_at.desc(), Message.id.desc())
            .limit(limit))


def unread_of(organisation, limit=5):
    return messages_of(organisation, limit).where(Message.read_at.is_null())


def answers_to(messages):
    """Answers already sent, by the request they answer."""
    ids = [m.id for m in messages if m.is_request]
    if not ids:
        return {}
    return {answer.reply_to_id: answer
            for answer in Message.select().where(Message.reply_to.in_(ids)).order_by(Message.id)}


def message_of(organisation, message_id):
    """The organisation's own message, or None (another organisation's is not found either)."""
    return (Message.select(Message, Organisation)
            .join(Organisation, on=Message.sender_organisation)
            .where(Message.id == message_id, Message.recipient_organisation == organisation)
            .first())


def mark_read(message):
    (Message.update(read_at=utcnow())
     .where(Message.id == message.id, Message.read_at.is_null()).execute())


# --- What a request may still become -----------------------------------------------

def open_places(message):
    """The объединения of the recipient where the request's child is now, with their year."""
    return list(Membership.select(Membership, Association, SchoolYear)
                .join(Association).join(SchoolYear)
                .where(Membership.person == message.person_id,
                       Membership.organisation == message.recipient_organisation_id,
                       Membership.ended_on.is_null(),
                       SchoolYear.state != SchoolYear.CLOSED)
                .order_by(Association.name))


def drafted_order(message):
    """The withdrawal order drafted from the request while it still exists."""
    return message.order if message.order_id else None


def answered(message):
    """Why the request can no longer be answered (a withdrawal drafted, a refusal sent), or None."""
    if message.order_id is not None:
        return f'По этому запросу уже оформлен приказ {movement.order_title(message.order)}.'
    if Message.select().where(Message.reply_to == message.id).exists():
        return 'Этот запрос уже отклонён: ответ отправлен.'
    return None


def _lock_open_request(message):
    """Inside a write transaction: the request, locked, or Refused when it is already answered."""
    current = locked(Message.select().where(Message.id == message.id)).first()
    problem = answered(current)
    if problem:
        raise Refused(problem)
    return current


def withdrawal_defaults(message, today, number=''):
    return {'number': number or '', 'document_date': today, 'act_date': today, 'reason': '',
            'destination': message.sender_organisation.short_name[:500],
            'association_from': None}


def draft_withdrawal(message, school_year, user_id, header, association_from, reason, destination):
    """A withdrawal draft with the request's child in it, linked to the request.

    ``header`` is what ``movement.parse_order_header`` read (number and dates).  Refused, with
    nothing left behind, when the header, the объединение or the child's history forbids it.
    """
    if not message.is_request:
        raise Refused('Это сообщение не запрос о ребёнке: оформить по нему выбытие нельзя.')
    organisation = message.recipient_organisation
    with write_transaction():  # a refusal below rolls the draft back with it
        _lock_open_request(message)
        order = movement.create_draft(organisation, school_year, user_id, Order.WITHDRAWAL,
                                      header['number'], header['document_date'], header['act_date'])
        result = movement.add_children_to_draft(order, [message.person_id], None,
                                                association_from=association_from,
                                                reason=reason, destination=destination)
        if result.refusals:
            raise Refused(*result.refusals.values())
        (Message.update(order=order, read_at=fn.COALESCE(Message.read_at, utcnow()))
         .where(Message.id == message.id).execute())
    return order


def parse_reason(text):
    """The reason a request is declined: required, one paragraph of reasonable length."""
    reason = re.sub(r'[ \t]+', ' ', (text or '').replace('\r\n', '\n')).strip()
    if not reason:
        return reason, 'Напишите причину отказа: её получит организация, приславшая запрос.'
    if len(reason) > REASON_LIMIT:
        return reason, f'Причина отказа — не длиннее {REASON_LIMIT} знаков; сократите текст.'
    return reason, None


def decline(message, sender_id, reason):
    """Decline the request: its sender gets the reason as a message; the request is read."""
    if not message.is_request:
        raise Refused('Это сообщение не запрос о ребёнке: отклонять нечего.')
    person = message.person
    here = message.recipient_organisation
    with write_transaction():
        try:
            _lock_open_request(message)
        except Refused as refused:
            if message.order_id is None:
                raise
            raise Refused(*refused.messages, 'Чтобы отказаться, удалите этот приказ.') from None
        answer = Message.create(
            sender_organisation=here, sender=sender_id,
            recipient_organisation=message.sender_organisation_id, person=person,
            reply_to=message,
            subject=f'Запрос на выбытие отклонён: {person.full_name}',
            body=(f'Организация «{here.short_name}» не оформила выбытие ребёнка '
                  f'{person.full_name}, {person.birth_date.strftime("%d.%m.%Y")} г. р., '
                  f'по вашему запросу «{message.subject}». Причина: {reason}'))
        mark_read(message)
    return answer
