"""Sign-in through the organisation cascade, sign-out, password reset, organisation switch."""
from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, redirect, render_template, request,
                   session, url_for)
from flask_login import current_user, login_required, logout_user

from models import Organisation, UserRole
from services import audit, mail
from services.auth import accounts
from services.auth.passwords import password_problems
from services.auth.cascade import build_cascade
from web import audit_event, render, start_session

bp = Blueprint('auth', __name__)

CASCADE_FIELDS = ('tab', 'region', 'municipality', 'settlement', 'kind', 'q')


def _safe_next(target):
    """Only a local path may follow sign-in: no scheme, no host, no backslash tricks, nothing
    unprintable (a line break cannot go into a header; browsers drop a tab, so slash, tab,
    slash would lead to another host)."""
    if (not target or not target.startswith('/') or target.startswith('//') or '\\' in target
            or not target.isprintable()):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def _cascade_from(values):
    return build_cascade(values.get('tab', 'org'), values.get('region'), values.get('municipality'),
                         values.get('settlement'), values.get('kind', ''), values.get('q', ''))


@bp.get('/login')
def login():
    if current_user.is_authenticated:
        return redirect(url_for('home.index'))
    cascade = _cascade_from(request.args)
    return render('auth/login.html', 'auth/_cascade.html', cascade=cascade,
                  chosen=request.args.get('organisation', type=int),
                  next=_safe_next(request.args.get('next')), error=None)


@bp.post('/login')
def login_post():
    form = request.form
    cascade = _cascade_from(form)
    chosen = form.get('organisation', type=int)
    error = _sign_in(form.get('login', ''), form.get('password', ''), chosen)
    if error is None:
        return redirect(_safe_next(form.get('next')) or url_for('home.index'), 303)
    return render_template('auth/login.html', cascade=cascade, chosen=chosen,
                           next=_safe_next(form.get('next')), error=error,
                           login_value=form.get('login', '')), 200


def _sign_in(login_name, password, organisation_id):
    """Sign the user in and return None, or return the sentence that explains the refusal."""
    result = accounts.authenticate(login_name, password, organisation_id,
                                   current_app.config['STAFF_PASSWORD_SIGN_IN'])
    login = audit.typed_login(result.user, login_name, current_app.config['SECRET_KEY'])
    if result.event != 'sign_in':
        audit_event(result.event, user=result.user, login=login, organisation=result.organisation,
                    result='denied', details=result.details)
        return result.message
    start_session(result.user, result.organisation)
    if result.details == 'break_glass':
        audit_event('break_glass_sign_in', user=result.user, login=login,
                    organisation=result.organisation,
                    details='password sign-in after the ЕСИА-only date')
    return None


@bp.post('/logout')
@login_required
def logout():
    audit_event('sign_out')
    via_esia = session.get('signed_in_with') == 'esia'
    logout_user()
    session.revoke()
    flash('Вы вышли из системы.', 'info')
    return redirect(url_for('esia.signed_out' if via_esia else 'auth.login'), 303)


@bp.route('/organisations', methods=['GET', 'POST'])
@login_required
def switch_organisation():
    roles = list(UserRole.select(UserRole, Organisation).join(Organisation)
                 .where(UserRole.user == current_user.id).order_by(Organisation.short_name))
    organisations = list({ur.organisation.id: ur.organisation for ur in roles}.values())
    if request.method == 'POST':
        chosen = request.form.get('organisation', type=int)
        if chosen not in {o.id for o in organisations}:
            flash('Выберите организацию из списка ваших организаций.', 'error')
            return redirect(url_for('auth.switch_organisation'), 303)
        session['org_id'] = chosen
        audit_event('organisation_switch', object_type='organisation', object_id=chosen,
                    organisation=Organisation.get_by_id(chosen))
        return redirect(url_for('home.index'), 303)
    return render_template('auth/switch.html', organisations=organisations,
                           current_id=session.get('org_id'))


@bp.route('/password/reset', methods=['GET', 'POST'])
def password_reset_request():
    if request.method == 'POST':
        user, token = accounts.start_password_reset(request.form.get('login', ''))
        if user is not None:
            link = current_app.config['PUBLIC_URL'] + url_for('auth.password_reset', token=token)
            mail.send(current_app.config, user.email, 'Восстановление пароля',
                      render_template('auth/reset_mail.txt', user=user, link=link))
            audit_event('password_reset_requested', user=user, login=user.login)
        flash('Если такая учётная запись есть и у неё указан адрес электронной почты, '
              'на него отправлена ссылка для смены пароля. Ссылка действует один час.', 'info')
        return redirect(url_for('auth.login'), 303)
    return render_template('auth/reset_request.html')


@bp.route('/password/reset/new', methods=['GET', 'POST'])
def password_reset():
    token = request.args.get('token')
    if token is not None:
        # The link's token moves into the session: it stays out of the address bar, the
        # browser history and the access log (which leaves out query strings).
        session['password_reset'] = accounts.token_hash(token)
        return redirect(url_for('auth.password_reset'), 303)
    reset = accounts.find_password_reset(session.get('password_reset'))
    if reset is None:
        flash('Ссылка для смены пароля устарела или уже использована. Запросите новую.', 'error')
        return redirect(url_for('auth.password_reset_request'), 303)
    problems = []
    if request.method == 'POST':
        password = request.form.get('password', '')
        user = reset.user
        names = (user.person.surname, user.person.name, user.person.patronymic) if user.person_id else ()
        problems = password_problems(password, user.login, names)
        if password != request.form.get('password_again', ''):
            problems.append('Пароли не совпадают. Введите новый пароль дважды одинаково.')
        if not problems and accounts.finish_password_reset(reset, password):
            session.pop('password_reset', None)
            audit_event('password_reset', user=user, login=user.login)
            flash('Пароль изменён. Войдите с новым паролем.', 'info')
            return redirect(url_for('auth.login'), 303)
    return render_template('auth/reset.html', problems=problems), 200
