"""«Пользователи и роли»: who has access to the organisation and with which roles, blocking
and ending sessions; the region's roles; password accounts of children under 14."""

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from models import MOVEMENT_BOOK_ACCESS, RIGHTS
from services import access
from services.common import Refused
from web import audit_event, render, requires_right, today as region_today

bp = Blueprint('users', __name__, url_prefix='/users')

can_manage = requires_right('users')


def _actor():
    return current_user._get_current_object()


def _held():
    return access.held_rights(g.roles)


def _account_or_404(user_id):
    user = access.account_here(g.organisation, user_id)
    if user is None:
        abort(404)
    return user


def _employment_or_404(employment_id):
    employment = access.employment_here(g.organisation, employment_id)
    if employment is None:
        abort(404)
    return employment


def _refused(event, error, user=None):
    audit_event(event, object_type='user', object_id=user.id if user else '', result='denied')
    for message in error.messages:
        flash(message, 'error')


def _role_choices(taken=()):
    """Roles to grant, each with the rights it would give beyond the administrator's own
    (the same check that refuses the grant)."""
    held = _held()
    return [(role, access.rights_beyond(role, held)) for role in access.grantable_roles(g.organisation)
            if role.id not in taken]


# --- The list and one account -------------------------------------------------------

@bp.get('/')
@can_manage
def index():
    employees, others = access.users_of(g.organisation)
    return render_template('users/index.html', employees=employees, others=others)


@bp.get('/<int:user_id>')
@can_manage
def account(user_id):
    user = _account_or_404(user_id)
    roles = access.roles_here(g.organisation, user)
    changes = access.history(g.organisation, user)
    employment = access.employed_here(g.organisation, user.person_id) if user.person_id else None
    return render_template('users/account.html', user=user, roles=roles, employment=employment,
                           choices=_role_choices({r.id for r in roles}), changes=changes,
                           actors=access.actors_of(changes), sessions=access.sessions_of(user),
                           is_self=user.id == current_user.id, reason_max=access.REASON_MAX)


@bp.post('/<int:user_id>/roles')
@can_manage
def grant(user_id):
    user = _account_or_404(user_id)
    try:
        change = access.grant(g.organisation, _actor(), g.roles, user,
                              request.form.get('role', type=int), request.form.get('reason'))
    except Refused as error:
        _refused('role_grant_refused', error, user)
    else:
        audit_event('role_granted', object_type='user', object_id=user.id,
                    details=f'role={change.role.code} change={change.id}')
        flash(f'{user.display_name}: выдана роль «{change.role.name}».', 'ok')
    return redirect(url_for('users.account', user_id=user.id), 303)


@bp.post('/<int:user_id>/roles/revoke')
@can_manage
def revoke(user_id):
    user = _account_or_404(user_id)
    try:
        role, change = access.revoke(g.organisation, _actor(), g.roles, user,
                                     request.form.get('role', type=int), request.form.get('reason'))
    except Refused as error:
        _refused('role_revoke_refused', error, user)
    else:
        audit_event('role_revoked', object_type='user', object_id=user.id,
                    details=f'role={role.code} change={change.id}')
        flash(f'{user.display_name}: роль «{role.name}» отозвана.', 'ok')
    return redirect(url_for('users.account', user_id=user.id), 303)


@bp.post('/<int:user_id>/block')
@can_manage
def block(user_id):
    user = _account_or_404(user_id)
    try:
        ended = access.block(g.organisation, _actor(), g.roles, user, request.form.get('reason'))
    except Refused as error:
        _refused('user_block_refused', error, user)
    else:
        audit_event('user_blocked', object_type='user', object_id=user.id, details=f'sessions={ended}')
        flash(f'Учётная запись {user.login} заблокирована, все её сеансы завершены.', 'ok')
    return redirect(url_for('users.account', user_id=user.id), 303)


@bp.post('/<int:user_id>/unblock')
@can_manage
def unblock(user_id):
    user = _account_or_404(user_id)
    try:
        access.unblock(g.organisation, _actor(), user, request.form.get('reason'))
    except Refused as error:
        _refused('user_unblock_refused', error, user)
    else:
        audit_event('user_unblocked', object_type='user', object_id=user.id)
        flash(f'Учётная запись {user.login} разблокирована.', 'ok')
    return redirect(url_for('users.account', user_id=user.id), 303)


@bp.post('/<int:user_id>/sessions/end')
@can_manage
def end_sessions(user_id):
    user = _account_or_404(user_id)
    try:
        ended = access.end_sessions(g.organisation, _actor(), user, request.form.get('reason'))
    except Refused as error:
        _refused('sessions_end_refused', error, user)
        return redirect(url_for('users.account', user_id=user.id), 303)
    audit_event('sessions_ended', object_type='user', object_id=user.id, details=f'sessions={ended}')
    if user.id == current_user.id:  # this session ended too
        return redirect(url_for('auth.login'), 303)
    flash(f'Сеансы учётной записи {user.login} завершены: {ended}.', 'ok')
    return redirect(url_for('users.account', user_id=user.id), 303)


# --- An employee without an account ----------------------------------------------------

@bp.get('/employees/<int:employment_id>')
@can_manage
def employee(employment_id):
    employment = _employment_or_404(employment_id)
    user = access.account_of_person(employment.person_id)
    if user is not None:
        return redirect(url_for('users.account', user_id=user.id))
    return render_template('users/employee.html', employment=employment, choices=_role_choices(),
                           reason_max=access.REASON_MAX)


@bp.post('/employees/<int:employment_id>/roles')
@can_manage
def employee_grant(employment_id):
    employment = _employment_or_404(employment_id)
    try:
        user, change, created = access.grant_to_employee(
            g.organisation, _actor(), g.roles, employment, request.form.get('role', type=int),
            request.form.get('reason'))
    except Refused as error:
        _refused('role_grant_refused', error)
        return redirect(url_for('users.employee', employment_id=employment.id), 303)
    if created:
        audit_event('user_created', object_type='user', object_id=user.id,
                    details=f'employment={employment.id}')
    audit_event('role_granted', object_type='user', object_id=user.id,
                details=f'role={change.role.code} change={change.id}')
    flash(f'{employment.person.full_name}: выдана роль «{change.role.name}».'
          + (f' Создана учётная запись {user.login} без пароля: сотрудник входит через Госуслуги, '
             'учётная запись найдётся по СНИЛС.' if created else ''), 'ok')
    return redirect(url_for('users.account', user_id=user.id), 303)


# --- Roles -----------------------------------------------------------------------------

def _may_define():
    return access.may_define_roles(g.organisation, _held())


def _definer_only():
    if not _may_define():
        audit_event('access_denied', object_type='right', object_id='regional_roles', result='denied')
        abort(403)


def _role_or_404(role_id):
    role = access.role_of_region(g.organisation.region_id, role_id)
    if role is None:
        abort(404)
    return role


def _role_form(role, values, errors, status=200):
    return render_template('users/role.html', role=role, values=values, errors=errors,
                           rights=RIGHTS, levels=MOVEMENT_BOOK_ACCESS, flags=access.FLAGS,
                           may_define=_may_define()), status


@bp.get('/roles')
@can_manage
def roles():
    return render_template('users/roles.html', roles=access.roles_of_region(g.organisation.region_id),
                           rights=RIGHTS, levels=MOVEMENT_BOOK_ACCESS, flags=access.FLAGS,
                           may_define=_may_define())


@bp.route('/roles/new', methods=['GET', 'POST'])
@can_manage
def role_new():
    _definer_only()
    if request.method == 'GET':
        return _role_form(None, {'name': '', 'movement_book': 'none'}, {})
    values, errors = access.parse_role(request.form)
    if not errors:
        try:
            role = access.create_regional_role(g.organisation.region, values)
        except Refused as error:
            errors['form'] = error.messages
        else:
            audit_event('role_created', object_type='role', object_id=role.id)
            flash(f'Роль «{role.name}» создана: её можно выдавать во всех организациях региона.', 'ok')
            return redirect(url_for('users.role', role_id=role.id), 303)
    return _role_form(None, values, errors, 409 if 'form' in errors else 422)


@bp.get('/roles/<int:role_id>')
@can_manage
def role(role_id):
    role = _role_or_404(role_id)
    return _role_form(role, role.__data__, {})


@bp.post('/roles/<int:role_id>')
@can_manage
def role_update(role_id):
    role = _role_or_404(role_id)
    _definer_only()
    values, errors = access.parse_role(request.form)
    if not errors:
        try:
            access.update_regional_role(role, request.form.get('version', type=int), values)
        except Refused as error:
            errors['form'] = error.messages
        else:
            audit_event('role_updated', object_type='role', object_id=role.id)
            flash(f'Роль «{role.name}» сохранена.', 'ok')
            return redirect(url_for('users.role', role_id=role.id), 303)
    return _role_form(role, values, errors, 409 if 'form' in errors else 422)


# --- Children's password accounts ---------------------------------------------------------

@bp.get('/children')
@can_manage
def children():
    surname = (request.args.get('surname') or '')[:100]
    rows, more = access.children_of(g.organisation, surname, region_today())
    return render('users/children.html', 'users/_children.html', rows=rows, more=more,
                  surname=surname)


@bp.route('/children/<int:person_id>/password', methods=['GET', 'POST'])
@can_manage
def child_password(person_id):
    child = access.enrolled_child(g.organisation, person_id)
    if child is None:
        abort(404)
    today, errors = region_today(), []
    if request.method == 'POST':
        try:
            user, created = access.set_password(g.organisation, _actor(), child,
                                                request.form.get('password', ''),
                                                request.form.get('password_again', ''), today)
        except Refused as error:
            errors = error.messages
        else:
            audit_event('child_account_created' if created else 'child_password_reset',
                        object_type='user', object_id=user.id)
            flash(f'{child.full_name}: ' + (f'создана учётная запись {user.login} с паролем.' if created
                                            else f'пароль учётной записи {user.login} изменён, её сеансы завершены.'), 'ok')
            return redirect(url_for('users.children', surname=child.surname), 303)
    return render_template('users/child_password.html', child=child, errors=errors,
                           account=access.account_of_person(child.id),
                           refusal=access.password_refusal(child, today)), 422 if errors else 200
