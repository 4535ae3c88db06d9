"""«Мониторинг»: the management body's home (its organisations and their figures), snapshots,
trends, the comparison by dates, what an organisation lacks, exports and the print view."""
import functools

from flask import Blueprint, abort, current_app, flash, g, redirect, request, url_for

from models import ORGANISATION_KINDS, Municipality
from services.fill import LEVELS, level_of, percent_label
from services import monitoring
from services.spreadsheets import attachment_disposition
from web import audit_event, render, requires_right, today

bp = Blueprint('monitoring', __name__, url_prefix='/monitoring')


def for_bodies(view):
    """Monitoring pages exist only in a management body (right «Мониторинг»): elsewhere 404."""
    @requires_right('monitoring')
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.organisation is None or not g.organisation.is_management_body:
            abort(404)
        return view(*args, **kwargs)
    return wrapped


def regional_only(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.organisation.kind != 'regional_body':
            abort(403)
        return view(*args, **kwargs)
    return wrapped


def _method():
    return g.organisation.region.monitoring_totals


def overview_context(everything=False):
    """What the home of a management body shows: the table with its sort and filters."""
    body, day = g.organisation, today()
    view = monitoring.parse_view(request.args)
    rows = monitoring.current_rows(body, day, transition=False)
    if view.municipality is not None and not any(row.municipality_id == view.municipality for row in rows):
        view.municipality = None  # not one of the body's: everything
    # A national scope opens on the municipalities' totals; one municipality lists its organisations.
    collapsed = not everything and view.municipality is None and len(rows) > monitoring.LIST_LIMIT
    if not collapsed:  # the transition's step only of the rows that can be listed
        monitoring.with_transition([row for row in rows if view.municipality in (None, row.municipality_id)], day)
    groups, total = monitoring.view_of(rows, view, _method())
    return dict(body=body, day=day, view=view, groups=groups, total=total, monitoring=monitoring,
                collapsed=collapsed, organisations=len(rows),
                regional=body.kind == 'regional_body', dates=monitoring.dates_of(monitoring.scope_of(body)),
                method=_method(), organisation_url=url_for('monitoring.organisation', organisation_id=1)[:-1])


def overview():
    """The management body's home (blueprints.home calls it for a body with the right)."""
    return render('monitoring/index.html', 'monitoring/_overview.html', **overview_context())


def _xlsx(data, file_name, ascii_name, what):
    audit_event('monitoring_exported', object_type='organisation', object_id=g.organisation.id, details=what)
    return current_app.response_class(data, headers={
        'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        'Content-Disposition': attachment_disposition(file_name, ascii_name)})


@bp.get('/export.xlsx')
@for_bodies
def export():
    context = overview_context(everything=True)  # the file has every organisation
    day = context['day']
    data = monitoring.overview_workbook(f'Мониторинг: {g.organisation.short_name}', context['groups'],
                                        context['total'], day)
    return _xlsx(data, f'Мониторинг {day:%d.%m.%Y}.xlsx', f'monitoring-{day.isoformat()}.xlsx', 'overview')


@bp.get('/print')
@for_bodies
def print_view():
    return render('monitoring/print.html', 'monitoring/print.html', today=today(), **overview_context())


@bp.post('/snapshot')
@for_bodies
@regional_only
def snapshot():
    day = today()
    count = monitoring.take_snapshot(g.organisation.region_id, day)
    audit_event('monitoring_snapshot', object_type='region', object_id=g.organisation.region_id,
                details=day.isoformat())
    flash(f'Снимок на {day:%d.%m.%Y} сохранён: организаций в нём — {count}. '
          'Повторный снимок в тот же день заменяет показатели этого дня.', 'ok')
    return redirect(url_for('home.index'), 303)


@bp.post('/settings')
@for_bodies
@regional_only
def settings():
    method = request.form.get('totals', '')
    if method not in monitoring.METHODS:
        flash('Выберите, как считать итоги: среднее по организациям или взвешенное по числу сотрудников.', 'error')
        return redirect(url_for('home.index'), 303)
    region = g.organisation.region
    region.monitoring_totals = method
    region.save(only=[type(region).monitoring_totals])
    audit_event('monitoring_settings', object_type='region', object_id=region.id, details=method)
    flash(f'Итоги теперь считаются как {monitoring.METHODS[method]}.', 'ok')
    return redirect(url_for('home.index'), 303)


# --- Over time ------------------------------------------------------------------------------

def _comparison():
    body = g.organisation
    code = request.args.get('figure', 'card')
    code = code if code in monitoring.FIGURES else 'card'
    rows = monitoring.view_of(monitoring.current_rows(body, today(), transition=False), monitoring.parse_view({}),
                              _method())[0]
    ordered = [row for _, members in rows for row in members]
    dates = monitoring.dates_of(monitoring.scope_of(body))
    return monitoring.comparison(ordered, code, dates, _method())


@bp.get('/compare')
@for_bodies
def compare():
    table = _comparison()
    return render('monitoring/compare.html', 'monitoring/compare.html', table=table, body=g.organisation,
                  monitoring=monitoring)


@bp.get('/compare.xlsx')
@for_bodies
def compare_export():
    table = _comparison()
    return _xlsx(monitoring.comparison_workbook(g.organisation.short_name, table),
                 f'Мониторинг по датам {monitoring.FIGURES[table.code]}.xlsx', f'monitoring-dates-{table.code}.xlsx',
                 'comparison')


def _trend():
    """The trend of the body's whole scope, or of one municipality (``?municipality=``) in it."""
    body = g.organisation
    rows = monitoring.rows_of(monitoring.scope_of(body))
    title = 'Все организации' if body.kind == 'regional_body' else body.short_name
    municipality_id = request.args.get('municipality', type=int)
    if municipality_id is not None:
        rows = [row for row in rows if row.municipality_id == municipality_id]
        if not rows:
            abort(404)
        title = rows[0].municipality
    dates = monitoring.dates_of([row.id for row in rows] or [0])
    return monitoring.chart_of(f'Динамика заполнения: {title}', dates,
                               monitoring.series_of(rows, dates, _method())), municipality_id


@bp.get('/trend')
@for_bodies
def trend():
    chart, municipality_id = _trend()
    municipalities = []
    if g.organisation.kind == 'regional_body':
        municipalities = list(Municipality.select().where(Municipality.region == g.organisation.region_id)
                              .order_by(Municipality.name))
    return render('monitoring/trend.html', 'monitoring/trend.html', chart=chart, municipalities=municipalities,
                  municipality_id=municipality_id, export_url=url_for('monitoring.trend_export', **request.args))


@bp.get('/trend.xlsx')
@for_bodies
def trend_export():
    chart, municipality_id = _trend()
    return _xlsx(monitoring.trend_workbook(chart.title, chart), f'{chart.title}.xlsx',
                 f'monitoring-trend-{municipality_id or "all"}.xlsx', 'trend')


# --- One organisation -----------------------------------------------------------------------

def _organisation(organisation_id):
    organisation = monitoring.organisation_in_scope(g.organisation, organisation_id)
    if organisation is None:
        abort(404)
    return organisation


def _trend_of(organisation):
    """The organisation's row (without figures) and its chart across the snapshots: the page and
    its export show the same one."""
    row = monitoring.rows_of(monitoring.scope_of(g.organisation).where(type(organisation).id == organisation.id))
    dates = monitoring.dates_of([organisation.id])
    chart = monitoring.chart_of(f'Динамика заполнения: {organisation.short_name}', dates,
                                monitoring.series_of(row, dates, _method()))
    return row, chart


@bp.get('/organisations/<int:organisation_id>')
@for_bodies
def organisation(organisation_id):
    organisation = _organisation(organisation_id)
    row, chart = _trend_of(organisation)
    current = monitoring.with_transition(monitoring.with_figures(row, today()), today())[0]
    return render('monitoring/organisation.html', 'monitoring/organisation.html', organisation=organisation,
                  row=current, chart=chart, missing=monitoring.missing_of(organisation, today()),
                  monitoring=monitoring)


@bp.get('/organisations/<int:organisation_id>/export.xlsx')
@for_bodies
def organisation_export(organisation_id):
    organisation = _organisation(organisation_id)
    data = monitoring.missing_workbook(organisation, monitoring.missing_of(organisation, today()))
    return _xlsx(data, f'Что не заполнено {organisation.short_name[:80]}.xlsx',
                 f'monitoring-missing-{organisation.id}.xlsx', 'missing')


@bp.get('/organisations/<int:organisation_id>/trend.xlsx')
@for_bodies
def organisation_trend_export(organisation_id):
    organisation = _organisation(organisation_id)
    _, chart = _trend_of(organisation)
    return _xlsx(monitoring.trend_workbook(chart.title, chart), f'{chart.title[:100]}.xlsx',
                 f'monitoring-trend-org-{organisation.id}.xlsx', 'trend')


# --- Template filters of the monitoring pages ------------------------------------------------

@bp.app_template_filter('fill_level')
def fill_level(tenths):
    return level_of(tenths)


@bp.app_template_filter('fill_label')
def fill_label(tenths):
    return percent_label(tenths)


@bp.app_template_filter('fill_word')
def fill_word(level):
    return LEVELS[level]


@bp.app_template_filter('organisation_kind')
def organisation_kind(code):
    return ORGANISATION_KINDS.get(code, code)


# --- For cron: `flask --app app monitoring snapshot` -----------------------------------------

@bp.cli.command('snapshot')
def snapshot_command():
    """Take today's snapshot (in each region's own zone) of every region's organisations."""
    import click

    import clock
    from models import Region
    for region in Region.select().order_by(Region.id):
        day = clock.today(region.zone)
        count = monitoring.take_snapshot(region.id, day)
        click.echo(f'{region.name}: снимок на {day:%d.%m.%Y}, организаций: {count}')
