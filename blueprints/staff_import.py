"""«Импорт сотрудников» (right «Сведения о сотрудниках»): the template, the upload, the validation
report, the search of the region's registry for each row, and the commit that hires them."""
import io
import json

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from models import ImportJob
from services import imports, staff
from services.common import parse_int
from services.imports import ImportRefused
from web import audit_event, htmx_redirect, render, requires_right, today

bp = Blueprint('staff_import', __name__, url_prefix='/staff/import')
can_manage = requires_right('staff')
XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'


def _job_or_404(job_id):
    job = ImportJob.get_or_none(ImportJob.id == job_id, ImportJob.organisation == g.organisation,
                                ImportJob.kind == ImportJob.STAFF)
    if job is None:
        abort(404)
    return job


@bp.get('/')
@can_manage
def start():
    recent = (ImportJob.select().where(ImportJob.organisation == g.organisation, ImportJob.kind == ImportJob.STAFF)
              .order_by(ImportJob.id.desc()).limit(20))
    return render_template('staff_import/index.html', recent=recent,
                           active=imports.active_staff_import(g.organisation))


@bp.get('/template.xlsx')
@can_manage
def template():
    data = imports.build_staff_template(staff.offered_positions(g.organisation.region))
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                     download_name=imports.STAFF_TEMPLATE_NAME)


@bp.post('/')
@can_manage
def upload():
    upload = request.files.get('file')
    if upload is None or not upload.filename:
        flash('Выберите файл для загрузки.', 'error')
        return redirect(url_for('.start'), 303)
    limit = current_app.config.get('IMPORT_MAX_BYTES', imports.MAX_BYTES)
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        abort(413)
    try:
        job = imports.start_staff_import(g.organisation, current_user, upload.filename, data, today=today())
    except imports.ImportBusy:
        active = imports.active_staff_import(g.organisation)
        flash('Уже идёт импорт сотрудников' + (f' из файла «{active.file_name}»' if active else '')
              + '. Завершите или отмените его, затем загрузите новый файл.', 'error')
        return redirect(url_for('.start'), 303)
    except ImportRefused as refusal:
        audit_event('staff_import_refused', object_type='import', result='refused', details=str(refusal)[:200])
        flash(str(refusal), 'error')
        return redirect(url_for('.start'), 303)
    audit_event('staff_import_uploaded', object_type='import', object_id=job.id,
                details=f'строк: {job.row_count}, с ошибками: {job.error_row_count}')
    return redirect(url_for('.show', job_id=job.id), 303)


@bp.get('/<int:job_id>')
@can_manage
def show(job_id):
    job = _job_or_404(job_id)
    if job.status == ImportJob.VALIDATED:
        return render_template('imports/report.html', job=job, area='staff_import', who_label='Сотрудник',
                               next_step='Продолжить: найти этих людей в регистре',
                               **imports.report_of(job))
    if job.status == ImportJob.RESOLVING:
        return _resolution(job)
    if job.status in imports.RUNNABLE:
        return render('staff_import/progress.html', 'staff_import/_progress.html', job=job)
    return render_template('staff_import/result.html', job=job)


def _resolution(job):
    # Every row on one page: a staff file has at most a few hundred.
    return render_template('staff_import/resolve.html', job=job,
                           rows=[(r, imports.values_of(r), json.loads(r.candidates), json.loads(r.conflicts))
                                 for r in imports.staff_rows_to_decide(job)],
                           undecided=imports.undecided_staff(job), decisions=imports.DECISIONS)


@bp.get('/<int:job_id>/progress')
@can_manage
def progress(job_id):
    job = _job_or_404(job_id)
    if job.status not in imports.RUNNABLE:
        return htmx_redirect(url_for('.show', job_id=job.id))
    return render('staff_import/progress.html', 'staff_import/_progress.html', job=job)


@bp.post('/<int:job_id>/skip')
@can_manage
def skip(job_id):
    job = _job_or_404(job_id)
    try:
        job = imports.choose_skip_mode(job, request.form.get('mode', ''))
    except ImportRefused as refusal:
        flash(str(refusal), 'error')
        return redirect(url_for('.show', job_id=job.id), 303)
    if not imports.staff_runs_in_background(job):
        imports.run_job(job.id)
    return redirect(url_for('.show', job_id=job.id), 303)


@bp.post('/<int:job_id>/decisions')
@can_manage
def decisions(job_id):
    """The page's choices at once: «Сохранить решения», or «Записать сотрудников» (action=commit)."""
    job = _job_or_404(job_id)
    errors = []
    for key, choice in request.form.items():
        if key.startswith('row-') and key[4:].isdigit():
            decision, _, person = choice.partition(':')
            try:
                imports.decide_staff(job, int(key[4:]), decision, parse_int(person))
            except ImportRefused as refusal:
                errors.append(str(refusal))
    for message in errors[:5]:
        flash(message, 'error')
    back = url_for('.show', job_id=job.id)
    if request.form.get('action') != 'commit' or errors:
        return redirect(back, 303)
    try:
        job = imports.request_staff_commit(job)
    except ImportRefused as refusal:
        flash(str(refusal), 'error')
        return redirect(back, 303)
    if not imports.staff_runs_in_background(job):
        job = imports.run_job(job.id)
    audit_event('staff_import_commit', object_type='import', object_id=job.id, result=job.status,
                details=f'использовано: {job.used_count}, создано: {job.created_count}, '
                        f'проигнорировано: {job.ignored_count}')
    return redirect(url_for('.show', job_id=job.id), 303)


@bp.post('/<int:job_id>/cancel')
@can_manage
def cancel(job_id):
    job = imports.cancel(_job_or_404(job_id))
    if job.status == ImportJob.CANCELLING and not imports.staff_runs_in_background(job):
        job = imports.run_job(job.id)
    audit_event('staff_import_cancelled', object_type='import', object_id=job.id, result=job.status)
    if job.status == ImportJob.CANCELLED:
        flash('Импорт сотрудников отменён: в регистре и списке сотрудников ничего из него не осталось.', 'ok')
        return redirect(url_for('.start'), 303)
    if job.status != ImportJob.CANCELLING:
        flash(f'Импорт уже завершён («{job.status_label}»), отменить его нельзя.', 'error')
    return redirect(url_for('.show', job_id=job.id), 303)


@bp.get('/<int:job_id>/rejected.xlsx')
@can_manage
def rejected(job_id):
    job = _job_or_404(job_id)
    data = imports.rejected_workbook(imports.rejected_rows(job))
    audit_event('staff_import_rejected_export', object_type='import', object_id=job.id)
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                     download_name=f'Отклонённые строки импорта сотрудников {job.id}.xlsx')
