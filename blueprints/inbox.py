"""«Входящие сообщения»: what other organisations ask of this one (a departure to record), and
the answers: a withdrawal order drafted from a request, or a refusal sent back with its reason."""

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from models import WITHDRAWAL_REASONS
from services import inbox, movement
from services.common import Refused, parse_int
from web import audit_event, render, requires_right, today

bp = Blueprint('inbox', __name__, url_prefix='/inbox')

can_answer = requires_right('movement_book', 'edit')


def _message_or_404(message_id):
    message = inbox.message_of(g.organisation, message_id)
    if message is None:
        abort(404)
    return message


def _request_or_404(message_id):
    message = _message_or_404(message_id)
    if not message.is_request:
        abort(404)
    return message


@bp.get('/')
@can_answer
def index():
    return _inbox_page()


def _inbox_page(declining=None, reason='', error=None, status=200):
    messages = list(inbox.messages_of(g.organisation))
    people = {m.person_id for m in messages if m.person_id}
    return render('inbox/index.html', 'inbox/index.html', messages=messages,
                  answers=inbox.answers_to(messages),
                  known=movement.known_to(people, g.organisation) if people else set(),
                  unread=sum(1 for m in messages if m.read_at is None),
                  declining=declining, reason=reason, error=error), status


@bp.post('/<int:message_id>/read')
@can_answer
def mark_read(message_id):
    inbox.mark_read(_message_or_404(message_id))
    return redirect(url_for('.index'), 303)


# --- «Оформить выбытие»: a withdrawal draft with the request's child ---------------------

def _withdrawal_form(message, values, errors, status=200):
    return render_template('inbox/withdrawal.html', message=message, values=values, errors=errors,
                           places=inbox.open_places(message), reasons=WITHDRAWAL_REASONS), status


@bp.get('/<int:message_id>/withdrawal')
@can_answer
def withdrawal(message_id):
    message = _request_or_404(message_id)
    order = inbox.drafted_order(message)
    if order is not None:
        return redirect(url_for('movement.order', order_id=order.id), 303)
    problem = inbox.answered(message)
    if problem:
        flash(problem, 'error')
        return redirect(url_for('.index') + f'#message-{message.id}', 303)
    return _withdrawal_form(message, inbox.withdrawal_defaults(
        message, today(), movement.suggested_number(g.organisation, g.school_year)), {})


@bp.post('/<int:message_id>/withdrawal')
@can_answer
def withdrawal_create(message_id):
    message = _request_or_404(message_id)
    form = request.form
    header, errors = movement.parse_order_header(form, with_kind=False)
    places = {place.association_id: place.association for place in inbox.open_places(message)}
    chosen = places.get(parse_int(form.get('association_from')))
    values = dict(header, reason=form.get('reason', ''), destination=form.get('destination', ''),
                  association_from=chosen.id if chosen else None)
    if chosen is None:
        errors['association_from'] = 'Выберите объединение, из которого выбывает ребёнок.'
    if not errors:
        try:
            order = inbox.draft_withdrawal(message, g.school_year, current_user.id, header, chosen,
                                           values['reason'], values['destination'])
        except Refused as error:
            errors['form'] = error.messages
        else:
            audit_event('order_created', object_type='order', object_id=order.id,
                        details=f'message={message.id}')
            flash(f'Черновик приказа о выбытии {movement.order_title(order)} создан, ребёнок '
                  'в нём. Проверьте приказ и проведите его.', 'ok')
            return redirect(url_for('movement.order', order_id=order.id), 303)
    return _withdrawal_form(message, values, errors, 409 if 'form' in errors else 422)


# --- «Отклонить»: the reason goes back to the sender ----------------------------------

@bp.post('/<int:message_id>/decline')
@can_answer
def decline(message_id):
    message = _request_or_404(message_id)
    reason, error = inbox.parse_reason(request.form.get('reason'))
    if error is not None:
        return _inbox_page(declining=message.id, reason=reason, error=error, status=422)
    try:
        inbox.decline(message, current_user.id, reason)
    except Refused as refused:  # answered meanwhile: the request no longer offers the form
        for sentence in refused.messages:
            flash(sentence, 'error')
        return _inbox_page(status=409)
    audit_event('departure_request_declined', object_type='message', object_id=message.id)
    flash(f'Запрос отклонён; «{message.sender_organisation.short_name}» получит '
          'причину отказа во входящих.', 'ok')
    return redirect(url_for('.index'), 303)
