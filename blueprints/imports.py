"""«Импорт учеников»: templates, upload, validation report, «Поиск похожих пользователей
системы» (with «Запросить отчисление из объединения» to another ОДО), commit into the draft
enrolment order."""
import functools
import io
import json
import os

import click

from flask import (Blueprint, abort, current_app, flash, g, redirect, request, send_file,
                   url_for)
from flask_login import current_user

from models import ImportJob, ImportRow, Order
from services import imports, movement, paging
from services.imports import ImportRefused
from services.common import parse_int
from web import audit_event, htmx_redirect, render, requires_right, today, wants_fragment

bp = Blueprint('imports', __name__, url_prefix='/imports')
PAGE_SIZE = 100
XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'


@bp.record_once
def _configure(state):
    app = state.app
    # IMPORT_WORKER=process: `flask imports worker` runs imports in a process of its own
    # (tools/serve.sh starts it) and web workers never do; otherwise each process keeps a
    # polling thread (a bare `gunicorn app:create_app()` still runs imports). Tests run them.
    kind = os.environ.get('IMPORT_WORKER', '')
    app.config.setdefault('IMPORT_WORKER', kind != 'process' and not app.testing)

    @app.before_request
    def _start_import_worker():
        if app.config['IMPORT_WORKER']:
            imports.start_worker()


def _job_or_404(job_id):
    job = ImportJob.get_or_none(ImportJob.id == job_id, ImportJob.organisation == g.organisation,
                                ImportJob.kind == ImportJob.CHILDREN)
    if job is None:
        abort(404)
    return job


def _order_or_none(order_id):
    if order_id is None:
        return None
    return Order.get_or_none(Order.id == order_id, Order.organisation == g.organisation)


@bp.get('/')
@requires_right('import_children')
def start():
    recent = (ImportJob.select().where(ImportJob.organisation == g.organisation,
                                       ImportJob.kind == ImportJob.CHILDREN)
              .order_by(ImportJob.id.desc()).limit(20))
    return render('imports/index.html', 'imports/_history.html', layouts=imports.LAYOUTS,
                  recent=recent, active=imports.active_import(g.organisation),
                  order=_order_or_none(request.args.get('order', type=int)))


@bp.get('/templates/<variant>.xlsx')
@requires_right('import_children')
def template(variant):
    if variant not in imports.LAYOUTS:
        abort(404)
    names = [name for _, name in imports.organisation_associations(g.organisation, g.school_year).values()]
    data = imports.build_template(variant, names)
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                     download_name=imports.LAYOUTS[variant]['file_name'])


@bp.post('/')
@requires_right('import_children')
def upload():
    upload = request.files.get('file')
    order = _order_or_none(request.form.get('order', type=int))
    if upload is None or not upload.filename:
        flash('Выберите файл для загрузки.', 'error')
        return redirect(url_for('.start', order=order.id if order else None), 303)
    data = upload.stream.read(current_app.config.get('IMPORT_MAX_BYTES', 5 * 1024 * 1024) + 1)
    if len(data) > current_app.config.get('IMPORT_MAX_BYTES', 5 * 1024 * 1024):
        abort(413)
    try:
        job = imports.start_import(g.organisation, g.school_year, current_user, upload.filename,
                                   data, order=order, today=today())
    except imports.ImportBusy:
        active = imports.active_import(g.organisation)
        flash('В организации уже идёт импорт' + (f' файла «{active.file_name}»' if active else '')
              + '. Завершите или отмените его, затем загрузите новый файл.', 'error')
        return redirect(url_for('.start'), 303)
    except ImportRefused as refusal:
        audit_event('import_refused', object_type='import', result='refused', details=str(refusal)[:200])
        flash(str(refusal), 'error')
        return redirect(url_for('.start', order=order.id if order else None), 303)
    audit_event('import_uploaded', object_type='import', object_id=job.id,
                details=f'строк: {job.row_count}, с ошибками: {job.error_row_count}')
    return redirect(url_for('.show', job_id=job.id), 303)


@bp.get('/<int:job_id>')
@requires_right('import_children')
def show(job_id):
    job = _job_or_404(job_id)
    if job.status == ImportJob.VALIDATED:
        return _report(job)
    if job.status == ImportJob.RESOLVING:
        return _resolution(job)
    if job.status in imports.RUNNABLE:
        return render('imports/progress.html', 'imports/_progress.html', job=job)
    return render('imports/result.html', 'imports/result.html', job=job,
                  rows=ImportRow.select().where(ImportRow.job == job).order_by(ImportRow.row_number))


def _report(job):
    return render('imports/report.html', 'imports/report.html', job=job, area='imports',
                  who_label='Ученик', next_step='Продолжить: найти похожих учащихся',
                  **imports.report_of(job))


def _resolution(job):
    number = max(request.args.get('page', 1, type=int), 1)
    page = paging.page_of(imports.rows_for_resolution(job), number, PAGE_SIZE, cap=imports.MAX_ROWS)
    orders = list(imports.draft_enrolment_orders(g.organisation))
    order = next((o for o in orders if o.id == job.order_id), orders[0] if orders else None)
    return render('imports/resolve.html', 'imports/_rows.html', job=job, results=page,
                  rows=[(r, imports.values_of(r), json.loads(r.candidates), json.loads(r.conflicts))
                        for r in page.rows],
                  departures=imports.departure_places(job, page.rows),
                  page_url=functools.partial(url_for, '.show', job_id=job.id),
                  undecided=imports.undecided_count(job), orders=orders, chosen_order=order,
                  ages=imports.age_rows(job, order) if order and not wants_fragment() else [],
                  age_confirmation=movement.AGE_CONFIRMATION, decisions=imports.DECISIONS)


@bp.get('/<int:job_id>/progress')
@requires_right('import_children')
def progress(job_id):
    job = _job_or_404(job_id)
    if job.status not in imports.RUNNABLE:
        return htmx_redirect(url_for('.show', job_id=job.id))
    return render('imports/progress.html', 'imports/_progress.html', job=job)


@bp.post('/<int:job_id>/skip')
@requires_right('import_children')
def skip(job_id):
    job = _job_or_404(job_id)
    try:
        job = imports.choose_skip_mode(job, request.form.get('mode', ''))
    except ImportRefused as refusal:
        flash(str(refusal), 'error')
        return redirect(url_for('.show', job_id=job.id), 303)
    if not imports.runs_in_background(job):
        imports.run_job(job.id)
    return redirect(url_for('.show', job_id=job.id), 303)


@bp.post('/<int:job_id>/cancel')
@requires_right('import_children')
def cancel(job_id):
    job = imports.cancel(_job_or_404(job_id))
    if job.status == ImportJob.CANCELLING and not imports.runs_in_background(job):
        job = imports.run_job(job.id)
    audit_event('import_cancelled', object_type='import', object_id=job.id, result=job.status)
    if job.status == ImportJob.CANCELLED:
        flash('Импорт отменён: в регистре и приказе ничего из него не осталось.', 'ok')
        return redirect(url_for('.start'), 303)
    if job.status == ImportJob.CANCELLING:
        flash('Импорт отменяется: уже записанное в регистр и приказ удаляется. '
              'Дождитесь окончания на этой странице.', 'ok')
    else:
        flash(f'Импорт уже завершён («{job.status_label}»), отменить его нельзя.', 'error')
    return redirect(url_for('.show', job_id=job.id), 303)


@bp.get('/<int:job_id>/rejected.xlsx')
@requires_right('import_children')
def rejected(job_id):
    job = _job_or_404(job_id)
    data = imports.rejected_workbook(imports.rejected_rows(job))
    audit_event('import_rejected_export', object_type='import', object_id=job.id)
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                     download_name=f'Отклонённые строки импорта {job.id}.xlsx')


@bp.post('/<int:job_id>/rows/<int:row_id>')
@requires_right('import_children')
def decide(job_id, row_id):
    job = _job_or_404(job_id)
    choice = request.form.get(f'row-{row_id}', '')
    try:
        _apply_choice(job, row_id, choice)
    except ImportRefused as refusal:
        flash(str(refusal), 'error')
    if wants_fragment():
        return render('imports/_decided.html', 'imports/_decided.html', job=job,
                      undecided=imports.undecided_count(job))
    return redirect(url_for('.show', job_id=job.id, page=request.form.get('page')) + f'#row-{row_id}', 303)


def _apply_choice(job, row_id, choice):
    decision, _, person = choice.partition(':')
    imports.decide(job, row_id, decision, parse_int(person))


@bp.post('/<int:job_id>/decisions')
@requires_right('import_children')
def decisions(job_id):
    """The whole page's choices at once (the «ОК» form, or «Сохранить решения» without JavaScript)."""
    job = _job_or_404(job_id)
    errors = []
    for key, choice in request.form.items():
        if key.startswith('row-') and key[4:].isdigit():
            try:
                _apply_choice(job, int(key[4:]), choice)
            except ImportRefused as refusal:
                errors.append(str(refusal))
    for message in errors[:5]:
        flash(message, 'error')
    if request.form.get('action') != 'commit' or errors:
        return redirect(url_for('.show', job_id=job.id, page=request.form.get('page')), 303)
    try:
        job = imports.request_commit(job, _order_or_none(request.form.get('order', type=int)),
                                     confirm_age=request.form.get('age_confirmed') == '1')
    except ImportRefused as refusal:
        flash(str(refusal), 'error')
        return redirect(url_for('.show', job_id=job.id, page=request.form.get('page')), 303)
    if not imports.runs_in_background(job):
        job = imports.run_job(job.id)
    audit_event('import_commit', object_type='import', object_id=job.id, result=job.status,
                details=f'использовано: {job.used_count}, создано: {job.created_count}, '
                        f'проигнорировано: {job.ignored_count}')
    if job.status == ImportJob.COMMITTED:
        flash(f'Импорт записан в приказ: использовано найденных — {job.used_count}, '
              f'создано новых — {job.created_count}, проигнорировано — {job.ignored_count}.', 'ok')
    return redirect(url_for('.show', job_id=job.id), 303)


@bp.get('/<int:job_id>/print')
@requires_right('import_children')
def print_view(job_id):
    job = _job_or_404(job_id)
    rows = [(r, imports.values_of(r), json.loads(r.candidates))
            for r in imports.rows_for_resolution(job)]
    return render('imports/print.html', 'imports/print.html', job=job, rows=rows,
                  decisions=imports.DECISIONS)


# --- «Запросить отчисление из объединения»: a message to another ОДО ----------------

@bp.post('/<int:job_id>/rows/<int:row_id>/departure')
@requires_right('import_children')
def request_departure(job_id, row_id):
    job = _job_or_404(job_id)
    row = ImportRow.get_or_none(ImportRow.id == row_id, ImportRow.job == job)
    if row is None:
        abort(404)
    person_id, _, association_id = request.form.get('target', '').partition(':')
    place = imports.request_departure(job, row, parse_int(person_id), parse_int(association_id),
                                      g.organisation, current_user)
    if place is None:
        flash('Запрос об отчислении отправляют только в другую организацию дополнительного '
              'образования, где ребёнок занимается в объединении той же направленности; школам '
              'и детским садам его не отправляют.', 'error')
        return redirect(url_for('.show', job_id=job.id) + f'#row-{row_id}', 303)
    audit_event('departure_requested', object_type='person', object_id=parse_int(person_id),
                details=f'организации {place.organisation_id}, объединение {place.association_id}')
    flash(f'Запрос об отчислении из объединения «{place.association}» отправлен в '
          f'«{place.organisation}».', 'ok')
    return redirect(url_for('.show', job_id=job.id) + f'#row-{row_id}', 303)


# --- A dedicated worker process: `flask --app app imports worker` -----------------------

@bp.cli.command('worker')
@click.option('--once', is_flag=True, help='Run the jobs waiting now, then stop.')
def worker_command(once):
    """Run import jobs in this process until stopped (tools/serve.sh starts it beside gunicorn)."""
    if once:
        click.echo(f'Выполнено шагов импорта: {imports.run_pending()}')
        return
    imports.work_forever()
