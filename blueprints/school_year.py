"""«Учебный год»: the school-year transition of the organisation (Планирование → Учебный год),
the header switch «Текущий год / Будущий год», and the management body's view of its
organisations' progress with its .xlsx export."""
from urllib.parse import urlparse

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user

from models import (ORDER_KINDS, WITHDRAWAL_REASONS, Association, Membership, Order, OrderLine,
                    Program, SchoolYear, db)
from services import movement, years
from services.common import Refused, parse_int
from services.spreadsheets import attachment_disposition, workbook_bytes
from web import audit_event, has_right, render, requires_right, ru_local_date, today

bp = Blueprint('school_year', __name__, url_prefix='/year')

can_transition = requires_right('year_transition')
can_watch = requires_right('monitoring')
VIEWS = (SchoolYear.CURRENT, SchoolYear.FUTURE)  # the header switch: which year the pages show


def _flash_all(error):
    for message in error.messages:
        flash(message, 'error')


def _back_to_steps():
    return redirect(url_for('school_year.index'), 303)


@bp.get('/')
@can_transition
def index():
    found = years.Years.of(g.organisation)
    day = today()
    return render('school_year/index.html', 'school_year/index.html', years=found, today=day,
                  steps=years.steps_of(g.organisation, day, found), states=years.STATES,
                  staff=years.staff_next_year(g.organisation, found),
                  future_list=_future_list(found))


def _future_list(found):
    if found.future is None:
        return []
    from services import programs
    return list(programs.associations_of(g.organisation, found.future))


@bp.post('/staff-checked')
@can_transition
def staff_checked():
    try:
        years.mark_staff_checked(g.organisation)
    except Refused as error:
        _flash_all(error)
    else:
        audit_event('year_staff_checked', object_type='organisation', object_id=g.organisation.id)
        flash('Список сотрудников на новый учебный год проверен.', 'ok')
    return _back_to_steps()


# --- Forming the next year ---------------------------------------------------------

@bp.get('/form')
@can_transition
def form_page():
    found = years.Years.of(g.organisation)
    active = list(Program.select().where(Program.organisation == g.organisation,
                                         Program.archived == False).order_by(Program.name))  # noqa: E712
    return render_template('school_year/form.html', years=found, programs=active,
                           problem=years.forming_problem(g.organisation, found, today()))


@bp.post('/form')
@can_transition
def form_next():
    chosen = [p for p in (parse_int(v) for v in request.form.getlist('first_year')) if p]
    try:
        formed = years.form_next_year(g.organisation, today(), chosen)
    except Refused as error:
        _flash_all(error)
        return redirect(url_for('school_year.form_page'), 303)
    audit_event('year_formed', object_type='school_year', object_id=formed.year.id,
                details=f'copied={formed.copied} new={formed.new_groups}')
    flash(f'{formed.year.title} учебный год сформирован: перенесено объединений — {formed.copied}, '
          f'новых групп первого года — {formed.new_groups}.' if formed.copied or formed.new_groups or formed.created_year
          else f'{formed.year.title} учебный год уже сформирован: переносить больше нечего.', 'ok')
    return _back_to_steps()


@bp.post('/associations/<int:association_id>/delete')
@can_transition
def delete_future_association(association_id):
    found = years.Years.of(g.organisation)
    association = Association.get_or_none(
        (Association.id == association_id) & (Association.organisation == g.organisation))
    if association is None:
        abort(404)
    if found.future is None or association.school_year_id != found.future.id:
        flash('Удалять из списка можно только объединения будущего учебного года.', 'error')
    elif (Membership.select().where(Membership.association == association).exists()
          or OrderLine.select().where((OrderLine.association_to == association)
                                      | (OrderLine.association_from == association)).exists()):
        flash(f'В «{association.name}» уже есть дети или строки приказов: сначала удалите их из '
              'приказов.', 'error')
    else:
        with db.atomic():
            association.delete_instance()
        audit_event('association_deleted', object_type='association', object_id=association_id)
        flash(f'Объединение «{association.name}» удалено из {found.future.title} учебного года.', 'ok')
    return _back_to_steps()


# --- Bulk orders of the current year ------------------------------------------------

def _preview_args(source):
    kind = source.get('kind', Order.NEXT_YEAR)
    return kind, parse_int(source.get('association')), parse_int(source.get('child'))


@bp.get('/orders')
@can_transition
def orders():
    kind, association_id, child_id = _preview_args(request.args)
    try:
        groups = years.preview(g.organisation, kind, association_id, child_id)
    except Refused as error:
        _flash_all(error)
        return _back_to_steps()
    return _orders_page(kind, groups, association_id, {}, [])


def _orders_page(kind, groups, association_id, values, errors, status=200):
    found = years.Years.of(g.organisation)
    values = values or {'number': movement.suggested_number(g.organisation, found.current),
                        'document_date': today().isoformat(), 'act_date': today().isoformat()}
    return render_template('school_year/orders.html', kind=kind, kinds=years.BULK_KINDS,
                           groups=groups, association_id=association_id, values=values,
                           errors=errors, years=found, reasons=WITHDRAWAL_REASONS,
                           targeted=kind in years.TARGETED), status


def _preview_again(kind, association_id, errors):
    """The preview with the form as sent and what was wrong with it (422)."""
    try:
        groups = years.preview(g.organisation, kind, association_id)
    except Refused as error:
        _flash_all(error)
        return _back_to_steps()
    return _orders_page(kind, groups, association_id, request.form, errors, 422)


@bp.post('/orders')
@can_transition
def orders_create():
    kind, association_id, _ = _preview_args(request.form)
    header, errors = movement.parse_order_header(request.form, with_kind=False)
    choices = {}
    for value in request.form.getlist('child'):
        source, _, person = value.partition(':')
        source, person = parse_int(source), parse_int(person)
        if source and person:
            target = parse_int(request.form.get(f'to_{source}'))
            choices.setdefault(source, (target, []))[1].append(person)
    if errors:
        return _preview_again(kind, association_id, errors)
    try:
        result = years.create_bulk_order(g.organisation, current_user.id, kind, header, choices,
                                         request.form.get('reason', ''),
                                         request.form.get('destination', ''))
    except Refused as error:
        return _preview_again(kind, association_id, {'form': error.messages})
    audit_event('order_created', object_type='order', object_id=result.order.id,
                details=f'year_step lines={result.added}')
    flash(f'Черновик приказа {movement.order_title(result.order)} «{ORDER_KINDS[kind]}»: '
          f'добавлено строк — {result.added}. Проверьте его и проведите.', 'ok')
    for message in result.refusals + result.warnings:
        flash(message, 'warn')
    return redirect(url_for('movement.order', order_id=result.order.id), 303)


# --- Opening the new year ---------------------------------------------------------------

@bp.get('/open')
@can_transition
def open_page():
    found = years.Years.of(g.organisation)
    return render_template('school_year/open.html', years=found,
                           problems=years.opening_problems(g.organisation, found, today()),
                           uncovered=years.uncovered(g.organisation, found))


@bp.post('/open')
@can_transition
def open_new():
    try:
        new = years.open_year(g.organisation, today())
    except Refused as error:
        _flash_all(error)
        return redirect(url_for('school_year.open_page'), 303)
    session['year_view'] = SchoolYear.CURRENT
    audit_event('year_opened', object_type='school_year', object_id=new.id)
    flash(f'{new.title} учебный год открыт; прошлый учебный год закрыт и доступен только для '
          'просмотра.', 'ok')
    return _back_to_steps()


# --- The header switch ------------------------------------------------------------------

@bp.post('/view')
def switch_view():
    view = request.form.get('view')
    if g.organisation is None or view not in VIEWS:
        abort(400)
    if not (has_right('year_transition') or has_right('movement_book', 'view')):
        abort(403)
    session['year_view'] = view
    back = request.form.get('next', '')
    parsed = urlparse(back)
    if not back.startswith('/') or back.startswith('//') or parsed.netloc or '\\' in back:
        back = url_for('home.index')
    return redirect(back, 303)


# --- The management body ---------------------------------------------------------------

def _overview_rows():
    if not g.organisation.is_management_body:
        abort(404)
    organisations = years.overseen_by(g.organisation)
    found = years.progress_of([o.id for o in organisations], today())
    return [(o, found[o.id]) for o in organisations if o.id in found]


@bp.get('/overview')
@can_watch
def overview():
    rows = _overview_rows()
    late = sum(1 for _, p in rows if p.late)
    return render_template('school_year/overview.html', rows=rows, late=late, today=today(),
                           regional=g.organisation.kind == 'regional_body')


EXPORT_HEADER = ['Муниципалитет', 'Организация', 'Текущий год', 'Шаг', 'Состояние',
                 'Формирование с', 'Открытие с', 'Закрыть до', 'Крайний срок', 'Не охвачено детей',
                 'Новый год открыт', 'Опоздание']


def lateness(progress):
    if progress.past_deadline:
        return f'после крайнего срока {progress.calendar.close_year_deadline:%d.%m.%Y}'
    if progress.late:
        return f'после {progress.calendar.close_year_by:%d.%m.%Y}'
    return ''


@bp.get('/overview.xlsx')
@can_watch
def overview_export():
    rows = [[o.municipality.name if o.municipality_id else '', o.short_name, p.current_title,
             p.step_title, p.state_label] + [f'{d:%d.%m.%Y}' for _, d in p.calendar.dates()]
            + [str(p.uncovered), ru_local_date(p.opened_at) if p.opened_at else '', lateness(p)]
            for o, p in _overview_rows()]
    data = workbook_bytes('Переход на новый год', EXPORT_HEADER, rows)
    audit_event('export', object_type='year_progress', object_id=g.organisation.id)
    return current_app.response_class(data, headers={
        'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        'Content-Disposition': attachment_disposition(
            f'Переход на новый учебный год {today():%d.%m.%Y}.xlsx',
            f'year-transition-{today().isoformat()}.xlsx')})
