"""«Карточка ОО»: the organisation's card with its seven sections and the region's parameters,
edits with a reason into «Журнал изменений» (filtered, exported to .xlsx), and the region's card
settings.  Editing needs «Карточка ОО»; the organisation's staff and the management body over it
read the card."""
import io
import os

from flask import (Blueprint, abort, current_app, flash, g, redirect, render_template, request, send_file,
                   url_for)
from flask_login import current_user

from models import CARD_PARAMETER_KINDS
from services import card
from services.card import fields, licence, log, reach, settings
from services.common import Refused
from services.spreadsheets import attachment_disposition
from web import audit_event, has_right, region_zone, render, requires_right, today as region_today

bp = Blueprint('card', __name__, url_prefix='/card')

XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
LOG_SHOWN = 30


def may_edit():
    return has_right('organisation_card')


def may_read_own():
    """The card of the organisation one is signed in to: to edit with the right, to read for its staff."""
    return g.get('organisation') is not None and (
        may_edit() or reach.works_here(g.organisation, current_user.person_id))


def may_configure():
    return settings.may_configure(g.get('organisation'), has_right('monitoring') or may_edit())


def _readable(organisation_id):
    """The organisation whose card is asked for, or 404: one's own, or one the body oversees."""
    if g.organisation is not None and organisation_id == g.organisation.id and may_read_own():
        return g.organisation, may_edit()
    if has_right('monitoring') or may_edit():
        found = reach.overseen(g.organisation, organisation_id)
        if found is not None:
            return found, False
    abort(404)


def _page(organisation, editable, values=None, errors=None, stale=None, status=200, version=None):
    """The card; a refused form keeps the version it was read at (``version``), so a save after
    fixing it is still checked against what others saved meanwhile."""
    parameters = card.parameters_of(organisation.region_id)
    staff = card.staff_of(organisation)
    stored = card.values_of(organisation, parameters)
    people = log.people_of(organisation)
    filters = log.parse_filters(request.args, people)
    changes = list(log.changes_of(organisation, filters).limit(LOG_SHOWN + 1))
    own = organisation.id == g.organisation.id
    export = (url_for('card.own_log_export', **_args(filters)) if own
              else url_for('card.log_export', organisation_id=organisation.id, **_args(filters)))
    here = url_for('card.own') if own else url_for('card.show', organisation_id=organisation.id)
    scan_url = (url_for('card.own_licence_scan') if own
                else url_for('card.licence_scan', organisation_id=organisation.id))
    names = dict(staff)
    by_code = {fields.parameter_code(p.id): p for p in parameters}
    return render('card/card.html', 'card/_log.html', organisation=organisation, editable=editable,
                  values=values or card.form_values(stored), errors=errors or {}, stale=stale or {},
                  shown={code: card.display(code, value, names, by_code) for code, value in stored.items()},
                  fill=card.card_fill(organisation), parameters=parameters, staff=staff,
                  fields=fields, sections=fields.SECTIONS, changes=changes[:LOG_SHOWN],
                  more=len(changes) > LOG_SHOWN, people=people, filters=filters, export_url=export,
                  here=here, scan_url=scan_url,
                  version=organisation.version if version is None else version), status


def _form_version():
    return request.form.get('version', type=int) or 0


def _typed():
    """The form as typed, the deputies as a list (what the page shows back after a refusal)."""
    values = {key: request.form.get(key) for key in request.form}
    values['deputies'] = request.form.getlist('deputies')
    return values


def _args(filters):
    return {key: value for key, value in filters.items() if value}


@bp.get('/')
def own():
    if not may_read_own():
        abort(404)
    return _page(g.organisation, may_edit())


own.opens_when = may_read_own  # the menu offers «Карточка ОО» to those who may read it here


@bp.get('/<int:organisation_id>')
def show(organisation_id):
    organisation, editable = _readable(organisation_id)
    if organisation.id == g.organisation.id:
        return redirect(url_for('card.own', **request.args), 303)
    audit_event('organisation_card_viewed', object_type='organisation', object_id=organisation.id)
    return _page(organisation, editable)


@bp.post('/')
@requires_right('organisation_card')
def save():
    organisation = g.organisation
    parameters = card.parameters_of(organisation.region_id)
    staff_ids = [eid for eid, _ in card.staff_of(organisation)]
    values, errors = card.parse_card(request.form, staff_ids, parameters, region_today())
    reason = card.parse_reason(request.form)
    scan = None if errors else _uploaded_scan(errors)
    if errors:
        if getattr(request.files.get('licence_scan'), 'filename', '') and 'licence_scan' not in errors:
            errors['licence_scan'] = 'Исправьте ошибки и выберите файл скана ещё раз: браузер его не сохраняет.'
        errors['form'] = ['Карточка не сохранена: исправьте отмеченные поля — под каждым написано, что не так.']
        return _page(organisation, True, _typed(), errors, status=422, version=_form_version())
    old_scan = organisation.licence_scan_name
    if scan is not None:
        values['licence_scan'] = scan
    elif request.form.get('remove_licence_scan') == '1':
        values['licence_scan'] = None
    try:
        changed = card.save_card(organisation, request.form.get('version', type=int), values, reason,
                                 current_user)
    except card.MissingReason as error:
        _discard(scan)
        return _page(organisation, True, _typed(), {'reason': error.messages[0]}, status=422,
                     version=_form_version())
    except card.Stale as error:
        _discard(scan)
        return _stale_page(organisation, error, values)
    except Exception:
        _discard(scan)
        raise
    if 'licence_scan' in changed and old_scan:
        licence.remove(_upload_folder(), old_scan)
    elif scan is not None and 'licence_scan' not in changed:
        _discard(scan)
    if changed:
        audit_event('organisation_card_updated', object_type='organisation', object_id=organisation.id,
                    details='fields: ' + ', '.join(changed))
        flash(f'Карточка сохранена: изменено полей — {len(changed)}; изменения записаны в журнал.', 'ok')
    else:
        flash('В карточке ничего не изменилось.', 'info')
    return redirect(url_for('card.own'), 303)


# --- The licence's scan ----------------------------------------------------------------------

def _upload_folder():
    return current_app.config['UPLOAD_FOLDER']


def _uploaded_scan(errors):
    """(stored name, type, size) of a checked upload, stored already; None without one; a
    refusal goes to errors."""
    upload = request.files.get('licence_scan')
    if upload is None or not upload.filename:
        return None
    upload.stream.seek(0, os.SEEK_END)
    size = upload.stream.tell()
    upload.stream.seek(0)
    try:
        if size > licence.MAX_BYTES:
            raise Refused(f'Файл скана больше 5 МБ. Отсканируйте лицензию с меньшим разрешением или '
                          'сожмите файл и загрузите снова.')
        data = upload.stream.read(licence.MAX_BYTES + 1)
        kind = licence.check(data, os.path.basename(upload.filename.replace('\\', '/'))[:100])
    except Refused as refused:
        errors['licence_scan'] = ' '.join(refused.messages)
        errors['form'] = ['Карточка не сохранена: исправьте отмеченные поля — под каждым написано, что не так.']
        return None
    return licence.store(_upload_folder(), data, kind), kind, len(data)


def _discard(scan):
    if scan is not None:
        licence.remove(_upload_folder(), scan[0])


IMAGE_POLICY = "default-src 'none'; img-src 'self'; frame-ancestors 'none'; sandbox"
PDF_POLICY = "default-src 'none'; object-src 'self'; frame-ancestors 'none'"


def _scan(organisation):
    data = licence.read(_upload_folder(), organisation.licence_scan_name)
    if data is None or not organisation.licence_scan_type:
        abort(404)
    kind = organisation.licence_scan_type
    inline = licence.inline_safe(kind, data)
    audit_event('licence_scan_opened', object_type='organisation', object_id=organisation.id,
                details='inline' if inline else 'attachment')
    response = send_file(io.BytesIO(data), mimetype=licence.MIMETYPES[kind], as_attachment=not inline,
                         download_name=f'licence-{organisation.id}.{licence.EXTENSIONS[kind]}', max_age=0)
    response.headers['Cache-Control'] = 'no-store'
    response.headers['Content-Security-Policy'] = PDF_POLICY if kind == 'pdf' else IMAGE_POLICY
    return response


@bp.get('/licence-scan')
def own_licence_scan():
    if not may_read_own():
        abort(404)
    return _scan(type(g.organisation).get_by_id(g.organisation.id))


own_licence_scan.opens_when = may_read_own


@bp.get('/<int:organisation_id>/licence-scan')
def licence_scan(organisation_id):
    organisation, _ = _readable(organisation_id)
    return _scan(organisation)


def _stale_page(organisation, error, parsed):
    """The card as saved now in the fields changed meanwhile (what this person typed shown under
    each), everything else as this person typed it, and the new version to save against."""
    fresh = type(organisation).get_by_id(organisation.id)
    parameters = card.parameters_of(organisation.region_id)
    stored = card.form_values(card.values_of(fresh, parameters))
    names = dict(card.staff_of(organisation))
    by_code = {fields.parameter_code(p.id): p for p in parameters}
    values = _typed()
    typed = {}
    for code in error.fields:
        if code in stored:
            mine = card.display(code, parsed.get(code), names, by_code)
            if mine != error.before.get(code):  # this person changed it too: show what they typed
                typed[code] = mine
            values[code] = stored[code]
    audit_event('organisation_card_updated', object_type='organisation', object_id=organisation.id,
                result='stale')
    return _page(fresh, True, values, {'form': error.messages}, typed, status=409)


# --- The change log's export -------------------------------------------------------------------

def _export(organisation):
    filters = log.parse_filters(request.args, log.people_of(organisation))
    data = log.export(organisation, filters, region_zone())
    audit_event('organisation_card_log_exported', object_type='organisation', object_id=organisation.id)
    name = f'Журнал изменений карточки ОО {organisation.id}.xlsx'
    response = send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)
    response.headers['Content-Disposition'] = attachment_disposition(name, f'card-log-{organisation.id}.xlsx')
    return response


@bp.get('/log.xlsx')
def own_log_export():
    if not may_read_own():
        abort(404)
    return _export(g.organisation)


own_log_export.opens_when = may_read_own


@bp.get('/<int:organisation_id>/log.xlsx')
def log_export(organisation_id):
    organisation, _ = _readable(organisation_id)
    return _export(organisation)


# --- The region's card settings ------------------------------------------------------------------

def _settings_page(values=None, errors=None, status=200):
    region = g.organisation.region
    return render_template('card/settings.html', region=region, fields=fields,
                           required=settings.required_fields(region),
                           parameters=card.parameters_of(region.id), kinds=CARD_PARAMETER_KINDS,
                           values=values or {}, errors=errors or {}), status


def _configurable():
    if not may_configure():
        abort(404)


@bp.get('/settings')
def region_settings():
    _configurable()
    return _settings_page()


region_settings.opens_when = may_configure


@bp.post('/settings')
def save_required():
    _configurable()
    codes = settings.save_required(g.organisation.region, request.form)
    audit_event('card_settings_updated', object_type='region', object_id=g.organisation.region_id,
                details=f'required: {len(codes)}')
    flash(f'Обязательных полей карточки в регионе: {len(codes)}. Процент заполнения уже считается по ним.', 'ok')
    return redirect(url_for('card.region_settings'), 303)


@bp.post('/settings/parameters')
def add_parameter():
    _configurable()
    values, errors = settings.parse_parameter(request.form)
    if not errors:
        try:
            parameter = settings.add_parameter(g.organisation.region, values)
        except Refused as error:
            errors['name'] = error.messages[0]
        else:
            audit_event('card_parameter_added', object_type='card_parameter', object_id=parameter.id)
            flash(f'Параметр «{parameter.name}» добавлен: он появился в карточках всех организаций региона '
                  'в разделе «Параметры региона».', 'ok')
            return redirect(url_for('card.region_settings'), 303)
    return _settings_page(request.form, errors, 422)


@bp.post('/settings/parameters/<int:parameter_id>')
def change_parameter(parameter_id):
    _configurable()
    parameter = settings.parameter_of(g.organisation.region, parameter_id)
    if parameter is None:
        abort(404)
    if request.form.get('action') == 'delete':
        settings.delete_parameter(parameter)
        audit_event('card_parameter_deleted', object_type='card_parameter', object_id=parameter_id)
        flash(f'Параметр «{parameter.name}» удалён вместе со значениями; журнал изменений его помнит.', 'ok')
    else:
        required = request.form.get('required') in ('1', 'on')
        settings.set_required(parameter, required)
        flash(f'Параметр «{parameter.name}» теперь {"обязательный" if required else "необязательный"}.', 'ok')
    return redirect(url_for('card.region_settings'), 303)
