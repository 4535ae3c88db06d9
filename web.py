"""Flask glue shared by the blueprints: server-side sessions, page-or-fragment rendering,
the current organisation and its rights, security headers."""
import datetime
import functools
import gc
import hashlib
import json
import os
import secrets

import flask
from flask import abort, g, redirect, render_template, request, session
from flask.sessions import SessionInterface, SessionMixin
from flask_login import current_user, login_user
from werkzeug.datastructures import CallbackDict, ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from peewee import JOIN, InterfaceError, OperationalError

import clock
import models
from compiled import compiled
from models import (Organisation, Person, Region, Role, SchoolYear, User, UserRole, WebSession,
                    utcnow)
from services import audit, russian
from services.common import ru_date
from services.registry.documents import format_snils
from services.registry.masking import mask_document, mask_snils

TOUCH_EVERY = datetime.timedelta(seconds=60)


# --- Server-side sessions -----------------------------------------------------

class ServerSession(CallbackDict, SessionMixin):
    def __init__(self, initial=None, key=None, row=None, roles=()):
        def on_update(_):
            self.modified = True
        super().__init__(initial, on_update)
        self.key = key
        self.row = row
        self.roles = roles  # the user's roles in row.organisation_id, read with the row
        self.modified = False
        self.regenerate_requested = False

    def signed_in_user(self, user_id):
        """The user loaded with the session row, if it is the one signed in."""
        user = getattr(self.row, 'user', None) if self.row is not None else None
        return user if user is not None and str(user.id) == str(user_id) else None

    def roles_in(self, organisation_id):
        """The user's roles (UserRole rows, with the organisation, its region, the role and the
        current year) in ``organisation_id`` as read with the session, or None when the row
        was read for another organisation (or none) and they must be asked for."""
        if self.row is None or self.row.organisation_id != organisation_id:
            return None
        return self.roles

    def regenerate(self):
        """Give the session a new id (at sign-in), dropping the old record."""
        self.regenerate_requested = True
        self.modified = True

    def revoke(self):
        """Forget everything: the record goes, the cookie is cleared."""
        self.clear()
        self.regenerate_requested = True
        self.modified = True


@compiled
def session_with_user(key_hash):
    """The session, its user and their person, and the user's roles in the session's organisation
    with it, its region (the time zone), its current school year and the future one if formed
    (the header's «Текущий год / Будущий год» switch): one query on every request
    (the header shows the person's name and the year; the rights come from the roles). One row
    per role; a session not signed in to an organisation (or whose roles there went) gives one
    row whose ``role_here`` is empty."""
    here = ((UserRole.user == WebSession.user)
            & (UserRole.organisation == WebSession.organisation_id))
    current_year = ((SchoolYear.organisation == UserRole.organisation)
                    & (SchoolYear.state == SchoolYear.CURRENT))
    Future = SchoolYear.alias('future_year')
    future_year = (Future.organisation == UserRole.organisation) & (Future.state == SchoolYear.FUTURE)
    return (WebSession.select(WebSession, User, Person, UserRole, Organisation, Region, Role,
                              SchoolYear, Future)
            .join(User, JOIN.LEFT_OUTER)
            .join(Person, JOIN.LEFT_OUTER, on=(User.person == Person.id))
            .join_from(WebSession, UserRole, JOIN.LEFT_OUTER, on=here, attr='role_here')
            .join_from(UserRole, Organisation, JOIN.LEFT_OUTER)
            .join_from(Organisation, Region, JOIN.LEFT_OUTER)
            .join_from(UserRole, Role, JOIN.LEFT_OUTER)
            .join_from(UserRole, SchoolYear, JOIN.LEFT_OUTER, on=current_year, attr='current_year')
            .join_from(UserRole, Future, JOIN.LEFT_OUTER, on=future_year, attr='future_year')
            .where(WebSession.key_hash == key_hash)
            .order_by(UserRole.id))


def _hash(key):
    return hashlib.sha256(key.encode()).hexdigest()


class DatabaseSessionInterface(SessionInterface):
    """The cookie carries a random id; the row holds the data, so sign-out revokes at once."""

    def open_session(self, app, request):
        if request.path.startswith('/static/') or request.path.startswith('/healthz'):
            return ServerSession()
        key = request.cookies.get(self.get_cookie_name(app))
        if not key:
            return ServerSession()
        try:
            rows = session_with_user(_hash(key))
        except (OperationalError, InterfaceError):
            unavailable = ServerSession()
            unavailable.database_down = True  # a before_request hook answers 503
            return unavailable
        if not rows:
            return ServerSession()
        row = rows[0]
        now = utcnow()
        idle = datetime.timedelta(minutes=app.config['SESSION_IDLE_MINUTES'])
        absolute = datetime.timedelta(hours=app.config['SESSION_ABSOLUTE_HOURS'])
        if now - row.last_seen_at > idle or now - row.created_at > absolute:
            row.delete_instance()
            fresh = ServerSession()
            fresh.expired = True
            return fresh
        roles = [found.role_here for found in rows
                 if getattr(getattr(found, 'role_here', None), 'id', None) is not None]
        return ServerSession(json.loads(row.data), key=key, row=row, roles=roles)

    def save_session(self, app, session, response):
        if getattr(session, 'database_down', False):
            return
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        if session.regenerate_requested and session.row is not None:
            session.row.delete_instance()
            session.row, session.key = None, None
        if not session:
            if session.key or session.regenerate_requested:
                if session.row is not None:
                    session.row.delete_instance()
                response.delete_cookie(name, domain=domain, path=path)
            return
        now = utcnow()
        user_id = session.get('_user_id')
        if session.row is None:
            session.key = secrets.token_urlsafe(32)
            WebSession.create(key_hash=_hash(session.key), user=user_id,
                              organisation_id=session.get('org_id'),
                              data=json.dumps(dict(session)), created_at=now, last_seen_at=now,
                              ip=request.remote_addr or '',
                              user_agent=(request.user_agent.string or '').replace('\x00', '')[:300])
        elif session.modified:
            (WebSession.update(data=json.dumps(dict(session)), user=user_id, last_seen_at=now,
                               organisation_id=session.get('org_id'))
             .where(WebSession.key_hash == session.row.key_hash).execute())
        elif now - session.row.last_seen_at > TOUCH_EVERY:
            (WebSession.update(last_seen_at=now)
             .where(WebSession.key_hash == session.row.key_hash).execute())
        else:
            return
        response.set_cookie(name, session.key, httponly=True, path=path, domain=domain,
                            secure=self.get_cookie_secure(app),
                            samesite=self.get_cookie_samesite(app))
        response.vary.add('Cookie')


# --- What a request may carry -------------------------------------------------
# Ids are 32-bit in the schema: a larger number in a path or a field is no id at all, and
# would reach the database as an error (SQLite cannot bind it, PostgreSQL refuses it).

ID_MAX = 2 ** 31 - 1


def bounded_int(value):
    number = int(value)
    if not -ID_MAX <= number <= ID_MAX:
        raise ValueError('out of range')
    return number


class BoundedArgs(ImmutableMultiDict):
    """Query and form values: ``get(..., type=int)`` treats an out-of-range number as absent."""

    def get(self, key, default=None, type=None):
        return super().get(key, default, bounded_int if type is int else type)

    def getlist(self, key, type=None):
        return super().getlist(key, bounded_int if type is int else type)


class Request(flask.Request):
    parameter_storage_class = BoundedArgs


class IdConverter(IntegerConverter):
    """``<int:…>`` in routes: a number past ``ID_MAX`` finds no page (404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=ID_MAX, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


def carries_nul():
    """True when the path, a query or form value or a file name holds a NUL (PostgreSQL
    cannot store one, and no person types it)."""
    texts = [request.path, *(request.view_args or {}).values()]
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            texts += (key, value)
    texts += [f.filename or '' for f in request.files.values()]
    return any('\x00' in str(text) for text in texts)


class StatementDeadline:
    """WSGI middleware: each database statement of a request gets at most ``seconds``
    (the session is read before any Flask hook runs, so the deadline wraps the whole app)."""

    def __init__(self, wsgi_app, seconds):
        self.wsgi_app, self.seconds = wsgi_app, seconds

    def __call__(self, environ, start_response):
        with models.statement_deadline(self.seconds):
            return self.wsgi_app(environ, start_response)


def start_session(user, organisation, via='password'):
    """Sign ``user`` in to ``organisation``: a new session id, a new CSRF token, the audit
    row. The one way in, for the password and the ЕСИА sign-ins alike."""
    session.pop('csrf_token', None)
    session.regenerate()
    login_user(user, remember=False)
    session['org_id'] = organisation.id
    session['signed_in_with'] = via
    audit_event('sign_in', user=user, login=user.login, organisation=organisation,
                details='esia' if via == 'esia' else '')


# --- Page or fragment ---------------------------------------------------------

def wants_fragment():
    """True for an htmx request that swaps part of a page (not boosted, not history restore)."""
    return (request.headers.get('HX-Request') == 'true'
            and request.headers.get('HX-Request-Type') == 'partial'
            and 'HX-History-Restore-Request' not in request.headers
            and 'HX-Boosted' not in request.headers)


def render(page, fragment, **context):
    """Render the whole page, or only its partial for htmx with the flashes out of band; the
    response varies on HX-Request."""
    g.varies_on_hx = True
    if not wants_fragment() or fragment == page:  # a whole page carries its own flashes
        return render_template(page if not wants_fragment() else fragment, **context)
    return render_template(fragment, **context) + render_template('_flashes.html', oob=True)


def htmx_redirect(url, status=200):
    """Send the browser to ``url``: htmx follows HX-Redirect (a fetch would swap the page in),
    a plain form or link follows a 303."""
    if request.headers.get('HX-Request'):
        return '', status, {'HX-Redirect': url}
    return redirect(url, 303)


# --- Current organisation and rights ------------------------------------------

def client_ip():
    return request.remote_addr or ''


def audit_event(event, **kwargs):
    user = current_user if getattr(current_user, 'is_authenticated', False) else None
    kwargs.setdefault('user', user)
    kwargs.setdefault('login', user.login if user else '')
    kwargs.setdefault('organisation', getattr(g, 'organisation', None))
    kwargs.setdefault('ip', client_ip())
    return audit.record(event, **kwargs)


def has_right(right, level=None):
    return any(role.allows(right, level) for role in getattr(g, 'roles', ()))


def requires_right(right, level=None):
    """Refuse with 403 (and audit it) unless a role of the current organisation grants the right."""
    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not has_right(right, level):
                audit_event('access_denied', object_type='right', object_id=right, result='denied')
                abort(403)
            return view(*args, **kwargs)
        # The main menu reads the rights a section's route demands from here (app.MAIN_MENU).
        wrapped.required_rights = getattr(view, 'required_rights', ()) + ((right, level),)
        return wrapped
    return decorate


def may_open(view_function):
    """True when every right the route demands (``requires_right``) is granted here, and the
    condition of a page that exists only for some users (``opens_when``) holds."""
    condition = getattr(view_function, 'opens_when', None)
    return (all(has_right(right, level) for right, level in getattr(view_function, 'required_rights', ()))
            and (condition is None or condition()))


def static_version(app):
    """A short hash of the static files, appended to their URLs so they can be cached for a year."""
    digest = hashlib.sha256()
    for folder, _, files in sorted(os.walk(app.static_folder)):
        for name in sorted(files):
            with open(os.path.join(folder, name), 'rb') as fh:
                digest.update(fh.read())
    return digest.hexdigest()[:10]


# --- App-wide template filters and globals ---------------------------------------

HTMX_INTEGRITY = 'sha384-Qp9rdC8H7EqOoX+nR0P3RPG2Noji+qdwJlGpfzwQJsfOpp3sGwIdSP9xO3+UlEhn'


def ru_iso_date(value):
    """'2015-09-01' → '01.09.2015'."""
    return '.'.join(reversed(value.split('-'))) if value else ''


# --- The region's time -----------------------------------------------------------------

def region_zone():
    """The time zone of the signed-in organisation's region; before sign-in, the first
    region's (read once per request, and only by a page that shows a date)."""
    if not flask.has_request_context():
        return clock.zone()
    if 'region_zone' not in g:
        organisation = getattr(g, 'organisation', None)
        try:
            g.region_zone = (organisation.region.zone if organisation is not None
                             else Region.zone_of(None))
        except (OperationalError, InterfaceError):  # the 503 page still renders
            return clock.zone()
    return g.region_zone


def today():
    """Today in the region: the default of every date field and every "today" rule of a view."""
    return clock.today(region_zone())


def ru_local_date(value):
    """A date as it is; a stored instant (UTC) as its date in the region."""
    if isinstance(value, datetime.datetime):
        value = clock.local(value, region_zone())
    return ru_date(value)


def ru_datetime(value):
    """A stored instant (UTC) as the region's wall time: '02.12.2026 10:30'."""
    return clock.local(value, region_zone()).strftime('%d.%m.%Y %H:%M') if value else ''


def ru_time(value):
    return clock.local(value, region_zone()).strftime('%H:%M') if value else ''


def init_app(app):
    """Everything templates of every area share, registered in one place."""
    app.jinja_env.filters.update(ru_date=ru_local_date, ru_datetime=ru_datetime, ru_time=ru_time,
                                 ru_iso_date=ru_iso_date, snils_format=format_snils,
                                 plural=russian.plural, decline=russian.decline)
    app.jinja_env.filters.update(mask_snils=mask_snils, mask_document=mask_document)
    app.jinja_env.globals.update(static_version=static_version(app), htmx_integrity=HTMX_INTEGRITY,
                                 has_right=has_right, clock_moved_to=clock.moved_to, region_today=today)


# --- A serving process ------------------------------------------------------------------

GEN0_THRESHOLD = 50_000


def settle_garbage_collector():
    """Called once a serving process has loaded the app (tools/gunicorn.conf.py): everything built
    so far (routes, templates, dictionaries) is frozen, never scanned again, so no generation-2
    pause walks the app's own objects; and generation 0 is collected after 50,000 allocations
    instead of 700 (a page allocates thousands of short-lived objects, freed by reference
    counting anyway)."""
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
