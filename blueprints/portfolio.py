"""«Портфолио»: an employee's own portfolio («Моё портфолио»), and everyone's for those with the
right «Сведения о сотрудниках»; items added, edited (versioned) and deleted, each with its scan,
handed out only to those who may see the card."""
import functools
import io
import os

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from models import PORTFOLIO_KINDS, Employment, Person, PortfolioItem
from services import portfolio, staff
from services.common import Refused
from web import audit_event, has_right, today as region_today

bp = Blueprint('portfolio', __name__, url_prefix='/portfolio')


@bp.record_once
def _configure(state):
    app = state.app
    folder = app.config.setdefault('UPLOAD_FOLDER', os.environ.get('UPLOAD_FOLDER')
                                   or os.path.join(app.instance_path, 'uploads'))
    static = os.path.realpath(app.static_folder)
    if os.path.commonpath([static, os.path.realpath(folder)]) == static:
        raise RuntimeError('UPLOAD_FOLDER must lie outside static/: files there are served to anyone.')


@bp.app_template_global()
def has_own_portfolio():
    """True when the signed-in user works in the current organisation («Моё портфолио» in the menu)."""
    return _own_employment() is not None


def _own_employment():
    if g.get('organisation') is None or not current_user.is_authenticated or not current_user.person_id:
        return None
    if 'own_employment' not in g:
        g.own_employment = (Employment.select(Employment, Person).join(Person)
                            .where(Employment.person == current_user.person_id,
                                   Employment.organisation == g.organisation)
                            .order_by(Employment.dismissed_on.is_null(False), Employment.id.desc()).first())
    return g.own_employment


def _may_see(employment):
    """One's own portfolio, or anyone's here with the right «Сведения о сотрудниках»."""
    if employment.person_id == current_user.person_id or has_right('staff'):
        return
    audit_event('access_denied', object_type='portfolio', object_id=employment.id, result='denied')
    abort(403)


def organisation_employment(view):
    @functools.wraps(view)
    def wrapper(employment_id, **kwargs):
        employment = staff.employment_of(g.organisation, employment_id)
        if employment is None:
            abort(404)
        _may_see(employment)
        return view(employment, **kwargs)
    return wrapper


def organisation_item(view):
    @functools.wraps(view)
    def wrapper(item_id, **kwargs):
        item = (PortfolioItem.select(PortfolioItem, Employment, Person).join(Employment).join(Person)
                .where(PortfolioItem.id == item_id, Employment.organisation == g.organisation).first())
        if item is None:
            abort(404)
        _may_see(item.employment)
        return view(item, **kwargs)
    return wrapper


def _upload_folder():
    return current_app.config['UPLOAD_FOLDER']


def _back(employment):
    if employment.person_id == current_user.person_id:
        return url_for('portfolio.mine')
    return url_for('portfolio.show', employment_id=employment.id)


def _read_only(employment):
    """A dismissed employee's portfolio is not changed: the refusal, or None."""
    if employment.dismissed_on is None:
        return None
    flash(portfolio.dismissed_refusal(employment), 'error')
    return redirect(_back(employment), 303)


# --- The portfolio ---------------------------------------------------------------------

def _page(employment):
    items = portfolio.items_of(employment)
    return render_template('portfolio/show.html', employment=employment, items=items,
                           own=employment.person_id == current_user.person_id,
                           fill=staff.fill_percentage(employment, region_today()).portfolio,
                           gaps={item.id: staff.item_gaps(item) for item in items},
                           kinds=PORTFOLIO_KINDS, size_label=portfolio.size_label)


@bp.get('/')
def mine():
    employment = _own_employment()
    if employment is None:
        abort(404)
    return _page(employment)


mine.opens_when = has_own_portfolio  # the menu offers «Моё портфолио» only to staff of here


@bp.get('/<int:employment_id>')
@organisation_employment
def show(employment):
    return _page(employment)


# --- Adding, editing, deleting an item --------------------------------------------------

def _form(employment, values, errors, item=None, status=200):
    return render_template('portfolio/item.html', employment=employment, item=item, values=values,
                           errors=errors, kinds=PORTFOLIO_KINDS, course_kinds=staff.COURSE_KINDS,
                           min_hours=portfolio.MIN_HOURS, back=_back(employment),
                           size_label=portfolio.size_label), status


def _uploaded_scan(errors):
    """The checked scan of the request (kind, bytes, name), or None; a refusal goes to errors."""
    upload = request.files.get('scan')
    if upload is None or not upload.filename:
        return None
    upload.stream.seek(0, os.SEEK_END)
    size = upload.stream.tell()
    upload.stream.seek(0)
    if size > portfolio.MAX_BYTES:
        errors['scan'] = (f'Файл больше 5 МБ (в нём {portfolio.megabytes(size)} МБ). Отсканируйте '
                          'документ с меньшим разрешением или сожмите файл и загрузите снова.')
        return None
    try:
        return portfolio.checked_scan(upload.stream.read(portfolio.MAX_BYTES + 1), upload.filename)
    except Refused as refused:
        errors['scan'] = ' '.join(refused.messages)
        return None


def _scan_again(errors, sent):
    if sent and 'scan' not in errors:
        errors['scan'] = 'Исправьте ошибки и выберите файл скана ещё раз: браузер его не сохраняет.'


@bp.get('/<int:employment_id>/new')
@organisation_employment
def new(employment):
    refused = _read_only(employment)
    kind = request.args.get('kind', '')
    return refused or _form(employment, {'kind': kind if kind in PORTFOLIO_KINDS else ''}, {})


@bp.post('/<int:employment_id>/new')
@organisation_employment
def create(employment):
    refused = _read_only(employment)
    if refused:
        return refused
    values, errors = portfolio.parse_item(request.form, region_today())
    scan = None if errors else _uploaded_scan(errors)
    if errors:
        _scan_again(errors, bool(getattr(request.files.get('scan'), 'filename', '')))
        return _form(employment, request.form, errors, status=422)
    item = portfolio.add_item(employment, values, scan, _upload_folder())
    audit_event('portfolio_item_added', object_type='portfolio_item', object_id=item.id,
                details=f'employment {employment.id}' + (f', scan {item.scan_type}' if scan else ''))
    flash(f'Запись «{item.title}» добавлена в портфолио.', 'ok')
    return redirect(_back(employment), 303)


def _item_values(item):
    values = {name: getattr(item, name) for name in portfolio.FIELDS}
    for name in ('issued_on', 'started_on', 'finished_on'):
        values[name] = values[name].isoformat() if values[name] else ''
    values['hours'] = '' if item.hours is None else str(item.hours)
    values['version'] = item.version
    return values


@bp.get('/items/<int:item_id>')
@organisation_item
def edit(item):
    refused = _read_only(item.employment)
    return refused or _form(item.employment, _item_values(item), {}, item)


@bp.post('/items/<int:item_id>')
@organisation_item
def update(item):
    employment = item.employment
    refused = _read_only(employment)
    if refused:
        return refused
    values, errors = portfolio.parse_item(request.form, region_today())
    scan = None if errors else _uploaded_scan(errors)
    if not errors:
        try:
            portfolio.update_item(item, request.form.get('version', type=int), values, scan,
                                  request.form.get('remove_scan') == '1', _upload_folder())
        except Refused as stale:
            errors['form'] = stale.messages
        else:
            audit_event('portfolio_item_updated', object_type='portfolio_item', object_id=item.id,
                        details=f'employment {employment.id}' + (f', scan {item.scan_type}' if scan else ''))
            flash(f'Запись «{item.title}» сохранена.', 'ok')
            return redirect(_back(employment), 303)
    _scan_again(errors, bool(getattr(request.files.get('scan'), 'filename', '')))
    return _form(employment, request.form, errors, item, 409 if 'form' in errors else 422)


@bp.post('/items/<int:item_id>/delete')
@organisation_item
def delete(item):
    employment = item.employment
    refused = _read_only(employment)
    if refused:
        return refused
    if portfolio.delete_item(item, _upload_folder()):
        audit_event('portfolio_item_deleted', object_type='portfolio_item', object_id=item.id,
                    details=f'employment {employment.id}')
        flash(f'Запись «{item.title}» удалена из портфолио.', 'ok')
    return redirect(_back(employment), 303)


# --- The scan ------------------------------------------------------------------------------

IMAGE_POLICY = "default-src 'none'; img-src 'self'; frame-ancestors 'none'; sandbox"
PDF_POLICY = "default-src 'none'; object-src 'self'; frame-ancestors 'none'"


@bp.get('/items/<int:item_id>/scan')
@organisation_item
def scan(item):
    data = portfolio.read_scan(_upload_folder(), item.scan_name) if item.scan_type else None
    if data is None:
        abort(404)
    inline = portfolio.inline_safe(item.scan_type, data)
    audit_event('portfolio_scan_opened', object_type='portfolio_item', object_id=item.id,
                details='inline' if inline else 'attachment')
    response = send_file(io.BytesIO(data), mimetype=portfolio.MIMETYPES[item.scan_type],
                         as_attachment=not inline, download_name=f'portfolio-{item.id}.'
                         f'{portfolio.EXTENSIONS[item.scan_type]}', max_age=0)
    response.headers['Cache-Control'] = 'no-store'
    response.headers['Content-Security-Policy'] = PDF_POLICY if item.scan_type == portfolio.PDF else IMAGE_POLICY
    return response
