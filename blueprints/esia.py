"""Sign-in through ЕСИА (Госуслуги): start, return, first-time linking, the user's link,
the staff's links for an administrator, and ЕСИА single sign-out after signing out."""
import hmac
import uuid
from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, g, redirect, render_template, request,
                   session, url_for)
from flask_login import current_user

import clock
from models import User
from services.esia import client, errors, linking, messages, settings, signers
from web import audit_event, requires_right, start_session

bp = Blueprint('esia', __name__, url_prefix='/esia')

PENDING_SECONDS = 600

REFUSALS = {
    'state': ('Ссылка входа через Госуслуги устарела, уже использована или открыта в другом '
              'браузере. Начните вход через Госуслуги заново.'),
    'untrusted': ('Ваша учётная запись на Госуслугах не подтверждена. Подтвердите личность '
                  '(в МФЦ, через онлайн-банк или по коду из письма) и войдите снова.'),
    'none': ('Госуслуги подтвердили вашу личность, но в Кружке нет сотрудника с вашим СНИЛС. '
             'Попросите администратора вашей организации добавить вас в «Сведения о сотрудниках» '
             'с СНИЛС и выдать доступ, затем войдите снова.'),
    'several': ('Ваш СНИЛС указан у нескольких учётных записей Кружка, поэтому система не может '
                'выбрать одну. Обратитесь к администратору вашей организации, чтобы он устранил '
                'дубль, затем войдите снова.'),
    'other_oid': ('Учётная запись Кружка с вашим СНИЛС уже связана с другой учётной записью '
                  'Госуслуг. Войдите под ней или попросите администратора снять связь.'),
    'blocked': 'Ваша учётная запись в Кружке заблокирована. Обратитесь к администратору вашей организации.',
    'no_organisation': ('У вашей учётной записи нет ни одной организации. Обратитесь к '
                        'администратору вашей организации, чтобы он выдал вам доступ.'),
    'pending': 'Время на подтверждение входа истекло. Начните вход через Госуслуги заново.',
}


def _refuse(message, event, details=''):
    audit_event(event, result='denied', details=details)
    flash(message, 'error')
    return redirect(url_for('auth.login'), 303)


def _signer():
    return signers.make_signer(current_app.config)


@bp.get('/start')
def start():
    config = current_app.config
    if settings.missing(config):
        return _refuse(errors.user_message('not_configured'), 'esia_sign_in_failed', 'not_configured')
    state = str(uuid.uuid4())
    try:
        url = messages.authorization_url(config, _signer(), state, clock.wall_now())
    except (signers.SignerError, OSError, ValueError) as exc:
        current_app.logger.error('esia signer failed: %s', exc)
        return _refuse(errors.user_message('signer'), 'esia_sign_in_failed', 'signer')
    session['esia_state'] = state
    return redirect(url, 302)


@bp.get('/return')
def finish():
    expected, state = session.pop('esia_state', None), request.args.get('state', '')
    if not expected or not hmac.compare_digest(state.encode(), expected.encode()):
        return _refuse(REFUSALS['state'], 'esia_state_rejected')
    if request.args.get('error') or not request.args.get('code'):
        failure = errors.from_redirect(request.args.get('error', 'no_code'),
                                       request.args.get('error_description', ''))
        return _refuse(failure.user_message, 'esia_sign_in_failed', failure.code)
    try:
        oid, access_token = client.exchange_code(current_app.config, _signer(), request.args['code'])
        person = client.fetch_person(current_app.config, access_token, oid)
    except errors.EsiaError as failure:
        current_app.logger.warning('esia sign-in failed: %s %s', failure.code, failure.detail)
        return _refuse(failure.user_message, 'esia_sign_in_failed', failure.code)
    except (signers.SignerError, OSError, ValueError) as exc:
        current_app.logger.error('esia signer failed: %s', type(exc).__name__)
        return _refuse(errors.user_message('signer'), 'esia_sign_in_failed', 'signer')
    if not person.trusted:
        return _refuse(REFUSALS['untrusted'], 'esia_sign_in_failed', 'untrusted')
    match = linking.find_account(oid, person.snils)
    if match.kind not in ('linked', 'one'):
        return _refuse(REFUSALS[match.kind], 'esia_sign_in_failed', f'match_{match.kind}')
    if match.user.is_blocked:
        return _refuse(REFUSALS['blocked'], 'esia_sign_in_failed', 'blocked')
    if not match.organisations:
        return _refuse(REFUSALS['no_organisation'], 'esia_sign_in_failed', 'no_organisation')
    if match.kind == 'linked' and len(match.organisations) == 1:
        return _sign_in(match.user, match.organisations[0])
    session['esia_pending'] = {'oid': oid, 'user_id': match.user.id,
                               'link': match.kind == 'one', 'at': clock.now().timestamp()}
    return redirect(url_for('esia.confirm'), 303)


def _pending():
    pending = session.get('esia_pending')
    if not pending or clock.now().timestamp() - pending.get('at', 0) > PENDING_SECONDS:
        return None
    return pending


@bp.route('/confirm', methods=['GET', 'POST'])
def confirm():
    pending = _pending()
    if pending is None:
        session.pop('esia_pending', None)
        return _refuse(REFUSALS['pending'], 'esia_sign_in_failed', 'pending_expired')
    user = User.get_by_id(pending['user_id'])
    organisations = linking.organisations_of(user)
    error = None
    if request.method == 'POST':
        chosen = next((o for o in organisations
                       if o.id == request.form.get('organisation', type=int)), None)
        if chosen is None:
            error = 'Выберите организацию, в которую входите.'
        elif pending['link'] and not linking.link(user.id, pending['oid']):
            session.pop('esia_pending', None)
            return _refuse(REFUSALS['other_oid'], 'esia_sign_in_failed', 'link_conflict')
        else:
            if pending['link']:
                audit_event('esia_linked', user=user, login=user.login, organisation=chosen,
                            object_type='user', object_id=user.id)
            return _sign_in(user, chosen)
    return render_template('esia/confirm.html', user=user, organisations=organisations,
                           link=pending['link'], error=error), 400 if error else 200


def _sign_in(user, organisation):
    session.pop('esia_pending', None)
    start_session(user, organisation, via='esia')
    return redirect(url_for('home.index'), 303)


@bp.get('/link')
def link():
    return render_template('esia/link.html', linked=bool(current_user.esia_oid),
                           via_esia=session.get('signed_in_with') == 'esia')


@bp.post('/link/remove')
def unlink():
    if linking.unlink(current_user.id):
        audit_event('esia_unlinked', object_type='user', object_id=current_user.id)
        flash('Связь с учётной записью Госуслуг снята. При следующем входе через Госуслуги '
              'система снова предложит связать учётные записи по СНИЛС.', 'info')
    return redirect(url_for('esia.link'), 303)


@bp.get('/staff')
@requires_right('staff')
def staff():
    return render_template('esia/staff.html', rows=linking.staff_links(g.organisation))


@bp.get('/signed-out')
def signed_out():
    config = current_app.config
    logout_url = None
    if not settings.missing(config):
        parts = urlsplit(config['ESIA_REDIRECT_URI'])
        logout_url = messages.logout_url(config, f'{parts.scheme}://{parts.netloc}{url_for("auth.login")}')
    return render_template('esia/signed_out.html', logout_url=logout_url)
