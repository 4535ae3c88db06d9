"""«Сведения о сотрудниках»: the list of the organisation's employees, adding one after a search
of the region's registry, the employee card and «Уволить»."""
import functools

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from models import EDUCATION_LEVELS, GENDERS, PORTFOLIO_KINDS, QUALIFICATION_CATEGORIES, PortfolioItem
from services import staff
from services.common import Refused
from services.paging import page_of
from services.registry.documents import EXAMPLE_SNILS, format_snils
from web import audit_event, render, requires_right, today as region_today

bp = Blueprint('staff', __name__, url_prefix='/staff')

can_manage = requires_right('staff')
CARD_CHOICES = {'categories': QUALIFICATION_CATEGORIES, 'levels': EDUCATION_LEVELS, 'genders': GENDERS,
                'example_snils': EXAMPLE_SNILS}


def organisation_employment(view):
    """The view gets the organisation's employment named by ``<int:employment_id>``."""
    @functools.wraps(view)
    def wrapper(employment_id, **kwargs):
        employment = staff.employment_of(g.organisation, employment_id)
        if employment is None:
            abort(404)
        return view(employment, **kwargs)
    return wrapper


def _refused(error):
    for message in error.messages:
        flash(message, 'error')


# --- The list ------------------------------------------------------------------

def _filter_args(filters):
    args = {'position': filters['position'], 'esia': filters['esia'], 'low': 1 if filters['low'] else '',
            'status': filters['status'] if filters['status'] != 'active' else ''}
    return {key: value for key, value in args.items() if value}


@bp.get('/')
@can_manage
def index():
    filters = staff.parse_filters(request.args, g.organisation)
    today = region_today()
    results = page_of(staff.employees(g.organisation, filters, today), filters['page'], staff.PAGE_SIZE)
    args = _filter_args(filters)
    return render('staff/index.html', 'staff/_list.html', results=results, filters=filters, args=args,
                  details=staff.row_details(results.rows, today),
                  page_url=functools.partial(url_for, 'staff.index', **args),
                  positions=staff.positions_in(g.organisation), statuses=staff.STATUSES,
                  esia_filters=staff.ESIA_FILTERS)


# --- Adding an employee ----------------------------------------------------------

def _new_page(values, errors, candidates=None, status=200):
    return render_template('staff/new.html', values=values, errors=errors, candidates=candidates,
                           positions=staff.offered_positions(g.organisation.region),
                           **CARD_CHOICES), status


@bp.get('/new')
@can_manage
def new():
    return _new_page({}, {})


@bp.post('/new')
@can_manage
def create():
    today = region_today()
    person, errors = staff.parse_person(request.form, today)
    position, _ = staff.parse_position(request.form, staff.offered_positions(g.organisation.region), errors)
    started_on = staff.parse_started_on(request.form, person.get('birth_date'), today, errors)
    if errors:
        return _new_page(request.form, errors, status=422)
    candidates = staff.registry_matches(person, g.organisation)
    if candidates and request.form.get('decided') != '1':
        return _new_page(request.form, {}, candidates)
    existing = request.form.get('existing', type=int) if candidates else 0
    if existing is None:
        return _new_page(request.form, {'existing': 'Выберите, кто это: человек из регистра или новая запись.'},
                         candidates, 422)
    try:
        employment, reused = staff.add_employee(g.organisation, person, position, started_on, existing,
                                                candidates)
    except Refused as error:
        return _new_page(request.form, {'form': error.messages}, candidates, 409)
    audit_event('staff_added', object_type='employment', object_id=employment.id,
                details='registry person' if reused else 'new person')
    flash(f'{employment.person.full_name} — в списке сотрудников. Заполните карточку до конца.', 'ok')
    return redirect(url_for('staff.card', employment_id=employment.id), 303)


# --- The card ----------------------------------------------------------------------

def _stored_values(employment):
    person = employment.person
    values = {name: getattr(person, name) for name in ('surname', 'name', 'patronymic', 'gender')}
    values.update(no_patronymic='1' if person.no_patronymic else '', snils=format_snils(person.snils or ''),
                  birth_date=person.birth_date.isoformat(), person_version=person.version,
                  version=employment.version)
    for name in ('position', 'qualification_category', 'qualification_order', 'work_phone', 'work_email'):
        values[name] = getattr(employment, name)
    for name in ('started_on', 'qualification_assigned_on'):
        day = getattr(employment, name)
        values[name] = day.isoformat() if day else ''
    for name in ('experience_years', 'pedagogical_experience_years'):
        number = getattr(employment, name)
        values[name] = '' if number is None else str(number)
    return values


def _card_page(employment, values, educations, extra, errors, status=200):
    offered = staff.offered_positions(g.organisation.region)
    held = staff.positions_of(employment)
    return render_template('staff/card.html', employment=employment, values=values,
                           educations=educations + [{}], extra=extra, errors=errors,
                           positions=offered + [p for p in held if p not in offered],
                           fill=staff.fill_percentage(employment, region_today()),
                           linked=staff.esia_linked(employment.person_id),
                           portfolio=employment.portfolio.order_by(PortfolioItem.issued_on.desc(),
                                                                   PortfolioItem.id),
                           portfolio_kinds=PORTFOLIO_KINDS, **CARD_CHOICES), status


@bp.get('/<int:employment_id>')
@can_manage
@organisation_employment
def card(employment):
    educations = [{'level': e.level, 'institution': e.institution, 'speciality': e.speciality,
                   'graduation_year': e.graduation_year or ''} for e in staff.educations_of(employment)]
    return _card_page(employment, _stored_values(employment), educations,
                      staff.positions_of(employment)[1:], {})


@bp.post('/<int:employment_id>')
@can_manage
@organisation_employment
def update(employment):
    if employment.dismissed_on is not None:
        flash(staff.dismissed_refusal(employment), 'error')
        return redirect(url_for('staff.card', employment_id=employment.id), 303)
    offered = staff.offered_positions(g.organisation.region) + staff.positions_of(employment)
    person, values, educations, extra, errors = staff.parse_card(request.form, offered, region_today())
    if not errors:
        try:
            changed = staff.save_card(employment, request.form.get('version', type=int),
                                      request.form.get('person_version', type=int), person, values,
                                      educations, extra)
        except Refused as error:
            errors['form'] = error.messages
        else:
            audit_event('staff_card_updated', object_type='employment', object_id=employment.id,
                        details='fields: ' + ', '.join(changed) if changed else 'no changes')
            flash('Карточка сотрудника сохранена.', 'ok')
            return redirect(url_for('staff.card', employment_id=employment.id), 303)
    return _card_page(employment, request.form, educations, extra, errors, 409 if 'form' in errors else 422)


# --- «Уволить» -------------------------------------------------------------------

def _dismiss_page(employment, day, errors, status=200):
    return render_template('staff/dismiss.html', employment=employment, day=day, errors=errors), status


@bp.get('/<int:employment_id>/dismiss')
@can_manage
@organisation_employment
def dismiss_form(employment):
    if employment.dismissed_on is not None:
        flash(staff.dismissed_refusal(employment), 'error')
        return redirect(url_for('staff.card', employment_id=employment.id), 303)
    return _dismiss_page(employment, region_today().isoformat(), {})


@bp.post('/<int:employment_id>/dismiss')
@can_manage
@organisation_employment
def dismiss(employment):
    typed = request.form.get('dismissed_on', '')
    day, error = staff.parse_dismissal_date(typed, employment, region_today())
    if error:
        return _dismiss_page(employment, typed, {'dismissed_on': error}, 422)
    try:
        ended = staff.dismiss(employment, request.form.get('version', type=int), day, current_user)
    except Refused as refused:
        return _dismiss_page(employment, typed, {'form': refused.messages}, 409)
    audit_event('staff_dismissed', object_type='employment', object_id=employment.id,
                details=f'roles ended: {ended.roles_ended}, sessions ended: {ended.sessions_ended}')
    dismissed = 'уволена' if employment.person.gender == 'F' else 'уволен'
    flash(f'{employment.person.full_name} {dismissed} {day.strftime("%d.%m.%Y")}. Карточка теперь только '
          'для чтения; роли и сеансы сотрудника в этой организации завершены.', 'ok')
    return redirect(url_for('staff.card', employment_id=employment.id), 303)
