"""Книга движения учащихся: the book, orders (приказы) and a child's movement card."""
import functools

from flask import (Blueprint, abort, current_app, flash, g, redirect, render_template, request,
                   url_for)
from flask_login import current_user

import keys
from models import (DOCUMENT_KINDS, ORDER_KINDS, WITHDRAWAL_REASONS, Association, Membership, Order, OrderLine,
                    Person, Program, SchoolYear)
from services import common
from services import movement
from services import personal_file
from services.common import Refused
from services.paging import page_of
from services import russian
from services.spreadsheets import attachment_disposition, workbook_bytes
from web import audit_event, has_right, render, requires_right, today

bp = Blueprint('movement', __name__, url_prefix='/movement')

can_view = requires_right('movement_book', 'view')
can_edit = requires_right('movement_book', 'edit')

PRINT_ROW_LIMIT = 5000
# The four ways of «Добавить учеников в приказ»: title, text, endpoint, right, the endpoint's
# argument naming the order; each becomes a link once its page exists.
ADD_WAYS = [
    ('Импорт учеников', 'Группа детей с полными данными из файла по шаблону; находит детей, '
     'уже учащихся в школах и детских садах.', 'imports.start', 'import_children', 'order'),
    ('Поиск учащихся для зачисления', 'Один ребёнок из регистра региона по ФИО, дате рождения, '
     'СНИЛС или документу.', 'enrolment.search', None, 'order_id'),
    ('Список выпускников и выбывших', 'Дети, выбывшие или выпущенные из организаций региона.',
     'enrolment.pool', 'pool', 'order_id'),
    ('Список обучающихся в других ОО', 'Дети из списка другой организации, когда известны '
     'только организация и ФИО.', 'enrolment.other_organisations', None, 'order_id'),
]


# --- Lookups scoped to the current organisation (another's id is a 404) ----------

def organisation_order(view):
    """The view gets the organisation's order named by ``<int:order_id>``."""
    @functools.wraps(view)
    def wrapper(order_id, **kwargs):
        order = Order.get_or_none((Order.id == order_id) & (Order.organisation == g.organisation))
        if order is None:
            abort(404)
        return view(order, **kwargs)
    return wrapper


def draft_order(view):
    """The view gets the organisation's draft; a committed order sends back to its page."""
    @organisation_order
    @functools.wraps(view)
    def wrapper(order, **kwargs):
        if order.status != Order.DRAFT:
            flash(f'Приказ {movement.order_title(order)} уже проведён: добавить в него учеников '
                  'нельзя.', 'error')
            return redirect(url_for('movement.order', order_id=order.id), 303)
        return view(order, **kwargs)
    return wrapper


def _line_or_404(order, line_id):
    line = OrderLine.get_or_none((OrderLine.id == line_id) & (OrderLine.order == order))
    if line is None:
        abort(404)
    return line


def _association_or_404(value):
    """The posted объединение of this organisation, None when none was chosen."""
    if not value:
        return None
    association = Association.get_or_none((Association.id == common.parse_int(value))
                                          & (Association.organisation == g.organisation))
    if association is None:
        abort(404)
    return association


def _child_or_404(person_id):
    person = Person.get_or_none(Person.id == person_id)
    if person is None or not movement.known_to([person.id], g.organisation):
        abort(404)
    return person


def _refused(error):
    for message in error.messages:
        flash(message, 'error')


# --- The book -----------------------------------------------------------------

def _filter_args(filters):
    args = {'kind': filters['kind'], 'child': filters['child'],
            'date_from': filters['date_from'].isoformat() if filters['date_from'] else '',
            'date_to': filters['date_to'].isoformat() if filters['date_to'] else '',
            'association': filters['association'].id if filters['association'] else ''}
    return {key: value for key, value in args.items() if value}


def _all_associations():
    return (Association.select(Association, SchoolYear).join(SchoolYear)
            .where(Association.organisation == g.organisation)
            .order_by(SchoolYear.start_year.desc(), Association.name))


@bp.get('/')
@can_view
def book():
    filters = movement.parse_book_filters(request.args, g.organisation)
    results = page_of(movement.book_lines(g.organisation, filters), filters['page'],
                      movement.BOOK_PAGE_SIZE, cap=movement.BOOK_COUNT_CAP)
    args = _filter_args(filters)
    return render('movement/book.html', 'movement/_book.html', results=results, filters=filters,
                  args=args, page_url=functools.partial(url_for, 'movement.book', **args),
                  associations=_all_associations(), kinds=ORDER_KINDS, reasons=WITHDRAWAL_REASONS,
                  period=movement.describe_period(movement.movement_period(g.organisation)),
                  can_edit=has_right('movement_book', 'edit'))


@bp.get('/print')
@can_view
def book_print():
    filters = movement.parse_book_filters(request.args, g.organisation)
    lines = list(movement.book_lines(g.organisation, filters, newest_first=False)
                 .limit(PRINT_ROW_LIMIT + 1))
    audit_event('movement_book_printed', object_type='organisation', object_id=g.organisation.id)
    return render_template('movement/book_print.html', lines=lines[:PRINT_ROW_LIMIT],
                           cut=len(lines) > PRINT_ROW_LIMIT, filters=filters, kinds=ORDER_KINDS,
                           reasons=WITHDRAWAL_REASONS, today=today())


@bp.get('/export.xlsx')
@can_view
def book_export():
    filters = movement.parse_book_filters(request.args, g.organisation)
    lines = movement.book_lines(g.organisation, filters, newest_first=False)
    day = today()
    data = workbook_bytes('Книга движения', movement.BOOK_COLUMNS,
                          (movement.book_row(line) for line in lines), movement.BOOK_WIDTHS,
                          heading=f'Книга движения учащихся: {g.organisation.short_name}')
    audit_event('movement_book_exported', object_type='organisation', object_id=g.organisation.id)
    return _xlsx(data, f'Книга движения учащихся {day:%d.%m.%Y}.xlsx',
                 f'movement-book-{day.isoformat()}.xlsx')


def _xlsx(data, file_name, ascii_name):
    return current_app.response_class(data, headers={
        'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        'Content-Disposition': attachment_disposition(file_name, ascii_name)})


# --- The movement period --------------------------------------------------------

@bp.get('/period')
@can_edit
def period():
    return render_template('movement/period.html', errors=[],
                           period=movement.movement_period(g.organisation))


@bp.post('/period')
@can_edit
def period_save():
    start = common.parse_date(request.form.get('start'))
    end = common.parse_date(request.form.get('end'))
    try:
        movement.set_movement_period(g.organisation, request.form.get('version', type=int),
                                     start, end)
    except Refused as error:
        return render_template('movement/period.html', errors=error.messages,
                               period=(start, end)), 409
    audit_event('movement_period_changed', object_type='organisation', object_id=g.organisation.id)
    flash(f'Период движения: {movement.describe_period((start, end))}.', 'ok')
    return redirect(url_for('movement.book'), 303)


# --- Orders -------------------------------------------------------------------

@bp.get('/orders')
@can_view
def orders():
    kind, status = request.args.get('kind', ''), request.args.get('status', '')
    return render('movement/orders.html', 'movement/_orders.html',
                  orders=movement.orders_of(g.organisation, kind, status), kinds=ORDER_KINDS,
                  kind=kind, status=status, can_edit=has_right('movement_book', 'edit'))


@bp.get('/orders/new')
@can_edit
def order_new():
    day = today()
    suggested = movement.suggested_number(g.organisation, g.school_year)
    values = {'kind': request.args.get('kind', Order.ENROLMENT), 'number': suggested or '',
              'document_date': day, 'act_date': day, 'basis': ''}
    return render_template('movement/order_new.html', values=values, errors={}, kinds=ORDER_KINDS,
                           suggested_number=suggested)


@bp.post('/orders/new')
@can_edit
def order_create():
    values, errors = movement.parse_order_header(request.form)
    if not errors:
        try:
            order = movement.create_draft(g.organisation, g.school_year, current_user.id, **values)
        except Refused as error:
            errors['form'] = error.messages
        else:
            audit_event('order_created', object_type='order', object_id=order.id)
            return redirect(url_for('movement.order', order_id=order.id), 303)
    return render_template('movement/order_new.html', values=values, errors=errors, kinds=ORDER_KINDS,
                           suggested_number=movement.suggested_number(g.organisation, g.school_year)), 422


@bp.get('/orders/<int:order_id>')
@can_view
@organisation_order
def order(order):
    return _order_page(order)


def _order_page(order, errors=None, values=None, status=200):
    lines = list(movement.order_lines(order))
    warnings = movement.capacity_problems(order) if order.status == Order.DRAFT else []
    if order.status == Order.DRAFT and order.kind == Order.ENROLMENT:
        warnings += personal_file.consent_warnings(lines)
    return render_template('movement/order.html', order=order, lines=lines, warnings=warnings,
                           errors=errors or {}, values=values or order.__data__,
                           reasons=WITHDRAWAL_REASONS,
                           can_edit=has_right('movement_book', 'edit')), status


@bp.post('/orders/<int:order_id>/header')
@can_edit
@organisation_order
def order_update(order):
    values, errors = movement.parse_order_header(request.form, with_kind=False)
    if not errors:
        try:
            movement.update_draft(order, request.form.get('version', type=int), **values)
        except Refused as error:
            errors['form'] = error.messages
        else:
            audit_event('order_updated', object_type='order', object_id=order.id)
            flash('Реквизиты приказа сохранены.', 'ok')
            return redirect(url_for('movement.order', order_id=order.id), 303)
    return _order_page(order, errors, dict(order.__data__, **values), 409 if 'form' in errors else 422)


@bp.post('/orders/<int:order_id>/commit')
@can_edit
@organisation_order
def order_commit(order):
    try:
        movement.commit_order(order, current_user.id, request.form.get('version', type=int))
    except Refused as error:
        audit_event('order_commit_refused', object_type='order', object_id=order.id, result='denied')
        return _commit_refused(order, error)
    audit_event('order_committed', object_type='order', object_id=order.id)
    flash(f'Приказ {movement.order_title(order)} проведён.', 'ok')
    return redirect(url_for('movement.order', order_id=order.id), 303)


def _commit_refused(order, error):
    """Back to the order's own address with the reasons flashed: a reload shows the order
    instead of resending the form."""
    current = Order.get_or_none(Order.id == order.id)
    shown = set()
    if current is not None and current.status == Order.DRAFT:
        flash(f'Приказ {movement.order_title(current)} не проведён: ни один учащийся не записан.',
              'error')
        shown = set(movement.capacity_problems(current))  # the order page shows these itself
    for message in error.messages:
        if message not in shown:
            flash(message, 'error')
    if current is None:
        return redirect(url_for('movement.orders'), 303)
    return redirect(url_for('movement.order', order_id=order.id), 303)


@bp.get('/orders/<int:order_id>/delete')
@can_edit
@organisation_order
def order_delete_confirm(order):
    lines = list(movement.order_lines(order))
    return render_template('movement/delete.html', order=order, lines=lines, line=None,
                           problems=movement.deletion_problems(order, lines))


@bp.post('/orders/<int:order_id>/delete')
@can_edit
@organisation_order
def order_delete(order):
    try:
        movement.delete_order(order)
    except Refused as error:
        audit_event('order_delete_refused', object_type='order', object_id=order.id, result='denied')
        _refused(error)
        return redirect(url_for('movement.order_delete_confirm', order_id=order.id), 303)
    audit_event('order_deleted', object_type='order', object_id=order.id,
                details=f'kind={order.kind} status={order.status}')
    flash(f'Приказ {movement.order_title(order)} удалён.', 'ok')
    return redirect(url_for('movement.orders'), 303)


@bp.get('/orders/<int:order_id>/lines/<int:line_id>/delete')
@can_edit
@organisation_order
def line_delete_confirm(order, line_id):
    line = _line_or_404(order, line_id)
    return render_template('movement/delete.html', order=order, lines=[line], line=line,
                           problems=movement.deletion_problems(order, [line]))


@bp.post('/orders/<int:order_id>/lines/<int:line_id>/delete')
@can_edit
@organisation_order
def line_delete(order, line_id):
    line = _line_or_404(order, line_id)
    try:
        if order.status == Order.DRAFT:
            movement.remove_from_draft(order, line)
            order_gone = False
        else:
            order_gone = movement.delete_movement(order, line)
    except Refused as error:
        audit_event('movement_delete_refused', object_type='order_line', object_id=line.id,
                    result='denied')
        _refused(error)
        return redirect(url_for('movement.order', order_id=order.id), 303)
    audit_event('order_line_deleted', object_type='order_line', object_id=line.id,
                details=f'order={order.id} status={order.status}')
    flash(f'{line.person.full_name}: движение удалено из приказа {movement.order_title(order)}.', 'ok')
    if order_gone:
        return redirect(url_for('movement.orders'), 303)
    return redirect(url_for('movement.order', order_id=order.id), 303)


@bp.get('/orders/<int:order_id>/print')
@can_view
@organisation_order
def order_print(order):
    audit_event('order_printed', object_type='order', object_id=order.id)
    return render_template('movement/order_print.html', order=order,
                           doc=movement.order_document(order, list(movement.order_lines(order))),
                           today=today())


@bp.get('/orders/<int:order_id>/export.xlsx')
@can_view
@organisation_order
def order_export(order):
    heading = (f'Приказ {movement.order_title(order)}: {order.kind_label.lower()} '
               f'({g.organisation.short_name})')
    data = workbook_bytes('Приказ', movement.BOOK_COLUMNS,
                          (movement.book_row(line) for line in movement.order_lines(order)),
                          movement.BOOK_WIDTHS, heading=heading)
    audit_event('order_exported', object_type='order', object_id=order.id)
    day = order.document_date or today()
    return _xlsx(data, f'Приказ от {day:%d.%m.%Y} — {order.kind_label.lower()}.xlsx',
                 f'order-{day.isoformat()}-{order.kind}.xlsx')


# --- Adding children to a draft ---------------------------------------------------

def _open_associations():
    """Объединения children can enter: years not closed, programs not archived."""
    return (Association.select(Association, SchoolYear, Program)
            .join_from(Association, SchoolYear).join_from(Association, Program)
            .where(Association.organisation == g.organisation, Association.kind == 'association',
                   SchoolYear.state != SchoolYear.CLOSED, Program.archived == False)  # noqa: E712
            .order_by(SchoolYear.start_year, Association.study_year, Association.name))


def _add_page(order, status=200, child_values=None, child_errors=None, child_warnings=None, child_found=()):
    query = request.args.get('q', '')
    source = _association_or_404(request.args.get('from'))
    ways = [(title, text, url_for(endpoint, **{argument: order.id})
             if endpoint in current_app.view_functions and (right is None or has_right(right)) else None)
            for title, text, endpoint, right, argument in ADD_WAYS]
    enrolment = order.kind == Order.ENROLMENT
    context = dict(order=order, ways=ways, query=query, source=source,
                   known=list(movement.children_of(g.organisation, query)) if enrolment else [],
                   members=list(movement.members_of(source)) if source else [],
                   associations=list(_open_associations()), reasons=WITHDRAWAL_REASONS,
                   chosen=OrderLine.select().where(OrderLine.order == order).count(),
                   child_values=child_values or {}, child_errors=child_errors or {},
                   child_warnings=child_warnings or [], child_found=child_found,
                   document_kinds=DOCUMENT_KINDS)
    if order.kind != Order.ENROLMENT:
        context['sources'] = list(_all_associations().where(
            Association.id.in_(Membership.select(Membership.association)
                               .where(Membership.organisation == g.organisation,
                                      Membership.ended_on.is_null()))))
    return render('movement/order_add.html', 'movement/_known_children.html', **context), status


@bp.get('/orders/<int:order_id>/add')
@can_edit
@draft_order
def order_add(order):
    return _add_page(order)


@bp.post('/orders/<int:order_id>/lines')
@can_edit
@draft_order
def order_add_lines(order):
    person_ids = request.form.getlist('person', type=int)
    if not person_ids:
        flash('Отметьте учащихся, которых добавить в приказ.', 'error')
        return redirect(url_for('movement.order_add', order_id=order.id), 303)
    if movement.known_to(person_ids, g.organisation) != set(person_ids):
        abort(404)
    return _add_children(order, person_ids)


def _add_children(order, person_ids):
    form = request.form
    try:
        result = movement.add_children_to_draft(
            order, person_ids, _association_or_404(form.get('association_to')),
            association_from=_association_or_404(form.get('association_from')),
            reason=form.get('reason', ''), destination=form.get('destination', ''),
            age_confirmed=form.get('age_confirmed') == '1')
    except Refused as error:
        _refused(error)
        return redirect(url_for('movement.order_add', order_id=order.id,
                                **({'from': form['association_from']} if form.get('association_from') else {})), 303)
    if result.added:
        audit_event('order_lines_added', object_type='order', object_id=order.id,
                    details=f'added={len(result.added)} refused={len(result.refusals)}')
        flash(f'Добавлено в приказ: {russian.count(len(result.added), "ученик")}.', 'ok')
    for message in result.refusals.values():
        flash(message, 'error')
    # result.warnings (capacity) are not flashed: the order page shows them while it is a draft.
    return redirect(url_for('movement.order', order_id=order.id), 303)


@bp.post('/orders/<int:order_id>/children')
@can_edit
@draft_order
def order_add_new_child(order):
    if order.kind != Order.ENROLMENT:
        abort(404)
    values, errors, warnings = movement.parse_new_child(request.form, today())
    identifiers, id_errors = personal_file.parse_new_identifiers(request.form, values.get('birth_date'), today())
    errors.update(id_errors)
    target = _association_or_404(request.form.get('association_to'))
    if target is None:
        errors['association_to'] = 'Выберите объединение, в которое зачисляется ребёнок.'
    elif 'birth_date' not in errors:
        _age_errors(order, values['birth_date'], target, errors)
    if errors:
        return _add_page(order, 422, request.form, errors, warnings)
    # The similar-person search comes first: the people found are offered before a new record.
    found = personal_file.similar_for_new(values, identifiers, g.organisation.id)
    choice = request.form.get('choice', '')
    doc = identifiers['document']
    typed = dict(request.form.items(), doc_key=keys.document_key(doc['series'], doc['number']) if doc else '')
    if found and not choice:
        return _add_page(order, 200, typed, {}, warnings, found)
    if choice and choice != 'create':
        chosen = common.parse_int(choice)
        if chosen not in {c.person_id for c in found}:
            abort(404)  # only a person the search offered
        return _add_children(order, [chosen])
    try:
        person = personal_file.create_child(values, identifiers)
    except Refused as error:
        return _add_page(order, 409, typed, {'choice': ' '.join(error.messages)}, warnings, found)
    audit_event('child_created', object_type='person', object_id=person.id)
    for message in warnings:
        flash(message, 'warn')
    return _add_children(order, [person.id])


def _age_errors(order, birth, target, errors):
    """The age rule of the order, before a new child is written to the registry."""
    found = movement.age_problem(order, birth, target.program if target.program_id else None)
    if found is None:
        return
    sentence, confirmable = found
    sentence = sentence[0].upper() + sentence[1:]
    if not confirmable:
        errors['birth_date'] = sentence
    elif request.form.get('age_confirmed') != '1':
        errors['age_confirmed'] = sentence


# --- A child's movement card ------------------------------------------------------

@bp.get('/children/<int:person_id>')
@can_view
def child(person_id):
    person = _child_or_404(person_id)
    audit_event('child_card_viewed', object_type='person', object_id=person.id)
    return render_template('movement/child.html', person=person,
                           history=list(movement.child_history(person, g.organisation.region_id)),
                           memberships=list(movement.current_memberships(person, g.organisation.region_id)),
                           reasons=WITHDRAWAL_REASONS)
