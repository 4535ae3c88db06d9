"""Enrolment from the registry: search, the pool of graduates and departed, other organisations,
and the selection that survives paging and filters until it is added to a draft order."""
import functools
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_login import current_user

from models import Order
from services import enrolment, movement, paging
from services.common import Refused
from services import russian
from web import audit_event, has_right, render, requires_right, wants_fragment

bp = Blueprint('enrolment', __name__, url_prefix='/enrolment')

can_edit = requires_right('movement_book', 'edit')
SCREENS = {'search': 'enrolment.search', 'pool': 'enrolment.pool',
           'others': 'enrolment.other_organisations'}


def draft_order(view):
    """Passes the view the current organisation's draft enrolment order named by ``order_id``;
    another organisation's order is a 404, any other order a redirect explaining why."""
    @functools.wraps(view)
    def wrapper(order_id):
        order = enrolment.order_of.first(g.organisation.id, order_id)
        if order is None:
            abort(404)
        if order.kind != Order.ENROLMENT or order.status != Order.DRAFT:
            flash(f'Приказ {movement.order_title(order)} — не черновик приказа о зачислении: '
                  'детей из регистра добавляют только в такой. Создайте приказ о зачислении.',
                  'error')
            return redirect(url_for('movement.order', order_id=order.id), 303)
        return view(order)
    return wrapper


def _targets(args):
    """The объединения listed in «Зачислить в объединение» (narrowed by ``to_q``), and the one
    chosen (``to``), if any."""
    targets = enrolment.enrolment_targets(g.organisation, args.get('to_q', ''), args.get('to'))
    return targets, enrolment.enrolment_target(targets[0], args.get('to'))


def _context(order, screen, targets, target, selected=None):
    if selected is None:
        selected = enrolment.selected_ids(current_user.id, order)
    return dict(order=order, screen=screen, target=target, targets=targets[0],
                more_targets=targets[1], targets_typed=request.args.get('to_q', '').strip()[:100],
                selected_count=len(selected),
                can_see_pool=has_right('pool'), order_title=movement.order_title(order))


def _page_url(endpoint, order, filters, target):
    """URLs of the same list with some filters changed (letters, pages): the route is built
    once, the query string per link."""
    base = url_for(endpoint, order_id=order.id)
    extra = {'to': target.id} if target else {}
    return lambda **changes: f'{base}?{urlencode({**filters.args(**changes), **extra})}'


def _audit_search(screen, order, filters, page):
    shown = ','.join(str(getattr(row, 'person_id', None) or row.id) for row in page.rows)
    audit_event('registry_search', object_type='order', object_id=order.id,
                details=f'screen={screen} filters={",".join(filters.used()) or "-"} '
                        f'found={f"{page.cap}+" if page.capped else page.total} shown={shown or "-"}')


@bp.get('/orders/<int:order_id>/search')
@can_edit
@draft_order
def search(order):
    filters, errors = enrolment.parse_search(request.args)
    # «Применить» with htmx swaps the results only (htmx names its target, HX-Target: div#results):
    # the form and the list of объединения are not rendered again, only the chosen one is read.
    results_only = wants_fragment() and request.headers.get('HX-Target', '').endswith('#results')
    if results_only:
        chosen = enrolment.chosen_target(g.organisation, request.args.get('to'))
        targets, target = (chosen, False), enrolment.enrolment_target(chosen, request.args.get('to'))
    else:
        targets, target = _targets(request.args)
    selected = enrolment.selected_ids(current_user.id, order)
    page, rows = None, []
    if filters.ready():
        page = enrolment.search_page(filters, filters.page, filters.size)
        rows = enrolment.child_rows(page.rows, order, g.organisation, selected, target)
        _audit_search('search', order, filters, page)
    return render('enrolment/search.html', 'enrolment/_search.html',
                  filters=filters, errors=errors, results=page, rows=rows, results_only=results_only,
                  page_url=_page_url('enrolment.search', order, filters, target),
                  **_context(order, 'search', targets, target, selected))


@bp.get('/orders/<int:order_id>/pool')
@can_edit
@requires_right('pool')
@draft_order
def pool(order):
    region = g.organisation.region_id
    filters = enrolment.parse_pool(request.args, region)
    targets, target = _targets(request.args)
    selected = enrolment.selected_ids(current_user.id, order)
    page = paging.page_of_ids(enrolment.pool_departures(filters, region), filters.page,
                              filters.size, enrolment.pool_rows, enrolment.POOL_LOOKAHEAD)
    rows = enrolment.child_rows([m.person for m in page.rows], order, g.organisation, selected,
                                 target, documents=False, extras=page.rows)
    _audit_search('pool', order, filters, page)
    return render('enrolment/pool.html', 'enrolment/_pool.html',
                  filters=filters, results=page, rows=rows,
                  choices=enrolment.pool_choices(filters, region),
                  page_url=_page_url('enrolment.pool', order, filters, target),
                  **_context(order, 'pool', targets, target, selected))


@bp.get('/orders/<int:order_id>/other-organisations')
@can_edit
@draft_order
def other_organisations(order):
    region, own = g.organisation.region_id, g.organisation.id
    filters = enrolment.parse_others(request.args, region, own)
    targets, target = _targets(request.args)
    selected = enrolment.selected_ids(current_user.id, order)
    page, rows = None, []
    if filters.ready():
        page = paging.page_of(enrolment.others_members(filters, region, own), filters.page,
                              filters.size,
                              enrolment.others_members(filters, region, own, for_count=True))
        rows = enrolment.child_rows([m.person for m in page.rows], order, g.organisation,
                                     selected, target, documents=False, extras=page.rows)
        _audit_search('others', order, filters, page)
    return render('enrolment/others.html', 'enrolment/_others.html',
                  filters=filters, results=page, rows=rows,
                  choices=enrolment.others_choices(filters, region, own),
                  page_url=_page_url('enrolment.other_organisations', order, filters, target),
                  **_context(order, 'others', targets, target, selected))


@bp.post('/orders/<int:order_id>/selection')
@can_edit
@draft_order
def selection(order):
    source, back = request.form.get('source', ''), dict(parse_qsl(request.form.get('back', '')))
    if source == 'pool' and not has_right('pool'):
        audit_event('access_denied', object_type='right', object_id='pool', result='denied')
        abort(403)
    try:
        filters = enrolment.screen_filters(source, back, g.organisation)
        count, refused = enrolment.sync_selection(
            current_user.id, order, request.form.getlist('shown', type=int),
            request.form.getlist('person', type=int), source, filters, g.organisation)
    except enrolment.SelectionRefused as refusal:
        _audit_refused(order, source, str(refusal))
        flash(str(refusal), 'error')
        if wants_fragment():
            return _ticked(order, enrolment.selection_count(current_user.id, order), back)
        return redirect(url_for('enrolment.selected', order_id=order.id), 303)
    if refused:
        _audit_refused(order, source, f'refused={",".join(map(str, sorted(refused)))}')
        flash(enrolment.refused_ticks(source, len(refused)), 'error')
    if wants_fragment():
        return _ticked(order, count, back)
    return redirect(url_for(SCREENS[source], order_id=order.id, **_screen_args(filters, back)), 303)


def _ticked(order, count, back):
    """The counter, its link keeping the объединение chosen on the screen, and the flashes."""
    return render('enrolment/_ticked.html', 'enrolment/_ticked.html',
                  order=order, selected_count=count, target=_targets(back)[1])


def _audit_refused(order, source, details):
    audit_event('selection_refused', object_type='order', object_id=order.id, result='denied',
                details=f'screen={source if source in SCREENS else "-"} {details}')


def _screen_args(filters, back):
    """The screen's query string rebuilt from its own filters: unknown keys (``order_id=1``) are
    dropped; the chosen объединение stays."""
    return {**filters.args(page=filters.page), **{k: back[k] for k in ('to', 'to_q') if back.get(k)}}


def _shown_state(args):
    """Query values where the last of a name wins: with JavaScript a narrowing request carries
    the state the screen was drawn with, then the live values of its fields (hx-include)."""
    return {key: args.getlist(key)[-1] for key in args}


def _narrowed_screen(order, args):
    """Without JavaScript a narrowing form leads back to its screen, its state kept and the
    list narrowed; a search not yet run is not run."""
    screen = args.get('screen')
    if screen == 'selected':
        keep = {k: args[k] for k in ('to', 'to_q') if args.get(k)}
        return redirect(url_for('enrolment.selected', order_id=order.id, **keep), 303)
    if screen not in SCREENS or (screen == 'pool' and not has_right('pool')):
        abort(404)
    filters = enrolment.screen_filters(screen, args, g.organisation)
    query = _screen_args(filters, args)
    if screen == 'search' and not filters.applied:
        query.pop('applied', None)
    return redirect(url_for(SCREENS[screen], order_id=order.id, **query), 303)


@bp.get('/orders/<int:order_id>/targets')
@can_edit
@draft_order
def targets(order):
    """«Объединение: часть названия»: the «Зачислить в объединение» list narrowed as one types."""
    args = _shown_state(request.args)
    if not wants_fragment():
        return _narrowed_screen(order, args)
    targets, target = _targets(args)
    return render('enrolment/_targets.html', 'enrolment/_targets.html', targets=targets[0],
                  more_targets=targets[1], target=target, targets_typed=args.get('to_q', '').strip()[:100])


@bp.get('/orders/<int:order_id>/organisations')
@can_edit
@draft_order
def organisations(order):
    """«Поиск организации по названию»: the organisation list of the pool or of other
    organisations, narrowed as one types."""
    args = _shown_state(request.args)
    if not wants_fragment():
        return _narrowed_screen(order, args)
    region, screen = g.organisation.region_id, args.get('screen')
    if screen == 'pool' and has_right('pool'):
        filters = enrolment.parse_pool(args, region)
        found, more = enrolment.pool_organisations(filters, region)
    elif screen == 'others':
        filters = enrolment.parse_others(args, region, g.organisation.id)
        found, more = enrolment.others_organisations(filters, region, g.organisation.id)
    else:
        abort(404)
    return render('enrolment/_organisations.html', 'enrolment/_organisations.html', screen=screen,
                  filters=filters, organisations=found, more_organisations=more)


@bp.get('/orders/<int:order_id>/selected')
@can_edit
@draft_order
def selected(order):
    targets, target = _targets(request.args)
    people = enrolment.selected_people(current_user.id, order)
    blocked, warnings = (enrolment.check(order, [p.id for p, _ in people], target)
                         if people else ({}, {}))
    return render('enrolment/selected.html', 'enrolment/selected.html',
                  people=people, blocked=blocked, warnings=warnings,
                  age_confirmation=movement.AGE_CONFIRMATION,
                  **_context(order, 'selected', targets, target))


@bp.post('/orders/<int:order_id>/selected/remove')
@can_edit
@draft_order
def selected_remove(order):
    everyone = request.form.get('all') == '1'
    removed = enrolment.unselect(current_user.id, order,
                                  None if everyone else request.form.getlist('person', type=int))
    flash('Все отметки сняты.' if everyone else
          f'Сняты отметки с {russian.count(removed, "ученик", "gent")}.', 'ok')
    return redirect(url_for('enrolment.selected', order_id=order.id,
                            **({'to': request.form['to']} if request.form.get('to') else {})), 303)


@bp.post('/orders/<int:order_id>/selected/add')
@can_edit
@draft_order
def selected_add(order):
    target = _targets(request.form)[1]
    back = url_for('enrolment.selected', order_id=order.id, **({'to': target.id} if target else {}))
    if target is None:
        flash('Выберите объединение, в которое зачислить отмеченных учеников.', 'error')
        return redirect(back, 303)
    try:
        result = enrolment.add_selection_to_order(current_user.id, order, target,
                                                  age_confirmed=request.form.get('age_confirmed') == '1')
    except (Refused, enrolment.SelectionRefused) as refusal:
        flash(str(refusal), 'error')
        return redirect(back, 303)
    if result.added:
        audit_event('order_lines_added', object_type='order', object_id=order.id,
                    details=f'source=registry added={len(result.added)} refused={len(result.refusals)}')
        flash(f'Добавлено в приказ {movement.order_title(order)}: '
              f'{russian.count(len(result.added), "ученик")}.', 'ok')
    for message in result.refusals.values():
        flash(message, 'error')
    if result.refusals:
        for message in result.warnings:  # the order page shows these itself
            flash(message, 'warn')
        return redirect(back, 303)
    return redirect(url_for('movement.order', order_id=order.id), 303)
