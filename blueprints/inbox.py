"""«Входящие сообщения»: what other organisations ask of this one (a departure to record), and
the unread count in every page's header."""
from flask import Blueprint, abort, g, redirect, url_for
from peewee import fn

from compiled import compiled
from models import Message, Organisation, utcnow
from web import has_right, render, requires_right

bp = Blueprint('inbox', __name__, url_prefix='/inbox')


@bp.app_context_processor
def inbox_counter():
    def unread():
        if g.get('organisation') is None or not has_right('movement_book', 'edit'):
            return 0
        return _unread_messages.scalar(g.organisation.id)
    return {'inbox_unread': unread}


@compiled
def _unread_messages(organisation_id):  # on every page's header
    return (Message.select(fn.COUNT(Message.id))
            .where(Message.recipient_organisation == organisation_id, Message.read_at.is_null())
            .tuples())


@bp.get('/')
@requires_right('movement_book', 'edit')
def index():
    messages = (Message.select(Message, Organisation)
                .join(Organisation, on=Message.sender_organisation)
                .where(Message.recipient_organisation == g.organisation)
                .order_by(Message.created_at.desc()).limit(200))
    return render('inbox/index.html', 'inbox/index.html', messages=messages)


@bp.post('/<int:message_id>/read')
@requires_right('movement_book', 'edit')
def mark_read(message_id):
    updated = (Message.update(read_at=utcnow())
               .where(Message.id == message_id, Message.recipient_organisation == g.organisation,
                      Message.read_at.is_null()).execute())
    if not updated and not Message.select().where(
            Message.id == message_id, Message.recipient_organisation == g.organisation).exists():
        abort(404)
    return redirect(url_for('.index'), 303)
