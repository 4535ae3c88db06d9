"""Kruzhok: the additional-education module of a regional school information system."""
import base64
import datetime
import dataclasses
import hashlib
import functools
import logging
import os
import re
import secrets

import click
import markupsafe
from flask import Flask, g, redirect, render_template, request, session, url_for
from flask_compress import Compress
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from peewee import JOIN, DatabaseError, InterfaceError, OperationalError
from playhouse.pool import MaxConnectionsExceeded

import clock
import models
from compiled import compiled
from models import Organisation, Region, Role, SchoolYear, User, UserRole, db
from services.esia import client as esia_client, settings as esia_settings
import web
from web import (DatabaseSessionInterface, IdConverter, Request, StatementDeadline, carries_nul,
                 htmx_redirect)

csrf = CSRFProtect()
compress = Compress()
login_manager = LoginManager()

# The main menu, grouped by what the sections do: (group, [(label, endpoint, *paths)]);
# a group of None is an entry on its own. A section is listed only when its route's own
# requires_right lets the user in (web.may_open): the menu and the route share one check.
# The home is labelled for whose home it is (services.home.TITLES); trailing paths are pages
# that belong to the section besides its own («Приказы» covers an order's registry screens).
MAIN_MENU = [
    (None, [(None, 'home.index', '/monitoring/'), ('Входящие', 'inbox.index'), ('Моё портфолио', 'portfolio.mine'),
            ('Переход на новый год', 'school_year.overview')]),
    ('Обучение', [('Книга движения', 'movement.book'), ('Приказы', 'movement.orders', '/enrolment/'),
                  ('Импорт учеников', 'imports.start')]),
    ('Планирование', [('Программы', 'programs.index'), ('Объединения', 'programs.associations'),
                      ('Учебный год', 'school_year.index')]),
    ('Организация', [('Карточка ОО', 'card.own', '/card/'),
                     ('Сведения о сотрудниках', 'staff.index', '/staff/', '/esia/staff'),
                     ('Пользователи и роли', 'users.index', '/users/'),
                     ('Параметры карточки ОО', 'card.region_settings')]),
]
INBOX = 'inbox.index'  # its entry shows the unread count

# Who runs the service and how to reach support, in every page's footer (README: Configuration).
FOOTER_DEFAULTS = {
    'OPERATOR_NAME': 'Министерство образования Сахалинской области (демонстрационный стенд)',
    'SUPPORT_PHONE': '8 800 000-00-00',
    'SUPPORT_EMAIL': 'support@kruzhok.example',
    'SUPPORT_HOURS': 'пн–пт, 9:00–18:00',
    'PRIVACY_POLICY_URL': '',
}

# Endpoints anyone may open; every other route needs a signed-in user.
PUBLIC_ENDPOINTS = {
    'static', 'auth.login', 'auth.login_post', 'auth.password_reset_request',
    'auth.password_reset', 'health.live', 'health.ready',
    'esia.start', 'esia.finish', 'esia.confirm', 'esia.signed_out',
}

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'; object-src 'none'")


STYLESHEET = re.compile(rb'<link rel="stylesheet" href="(/static/[^"]+)">')


WHOLE_PAGE_QUALITY = 5  # htmx swaps, most responses, stay at Flask-Compress's quality 1


def _compress_whole_page(response):
    """A whole page is a first visit's or a navigation's, on whatever link: brotli quality 5
    (a 50-row search page 8.4 → 6.3 KB for 1.4 ms more); Flask-Compress leaves it as it is."""
    import brotli
    if 'br' not in request.headers.get('Accept-Encoding', '') or 'Content-Encoding' in response.headers:
        return
    data = response.get_data()
    if len(data) < 2048:
        return
    response.set_data(brotli.compress(data, quality=WHOLE_PAGE_QUALITY))
    response.headers['Content-Encoding'] = 'br'
    response.vary.add('Accept-Encoding')


def _secret_key(instance_path):
    path = os.path.join(instance_path, 'secret_key')
    if not os.path.exists(path):
        os.makedirs(instance_path, exist_ok=True)
        with open(path, 'w') as fh:
            fh.write(secrets.token_hex(32))
        os.chmod(path, 0o600)
    with open(path) as fh:
        return fh.read().strip()


def create_app(test_config=None):
    app = Flask(__name__, instance_relative_config=True)
    app.request_class = Request
    app.url_map.converters['int'] = IdConverter
    environment = os.environ.get('KRUZHOK_ENV', 'production')
    app.config.from_mapping(
        ENV_NAME=environment,
        DATABASE_URL=os.environ.get('DATABASE_URL', 'sqlite:///' + os.path.join(app.instance_path, 'kruzhok.db')),
        SESSION_IDLE_MINUTES=int(os.environ.get('SESSION_IDLE_MINUTES', 30)),
        SESSION_ABSOLUTE_HOURS=int(os.environ.get('SESSION_ABSOLUTE_HOURS', 12)),
        SESSION_COOKIE_NAME='kruzhok_session',
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE='Lax',
        SESSION_COOKIE_SECURE=environment == 'production',
        REMEMBER_COOKIE_DURATION=0,
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=environment == 'production',
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        MAX_FORM_MEMORY_SIZE=512 * 1024,
        SEND_FILE_MAX_AGE_DEFAULT=365 * 24 * 3600,
        COMPRESS_MIMETYPES=['text/html', 'text/css', 'application/javascript',
                            'text/javascript', 'application/json', 'text/plain', 'image/svg+xml'],
        COMPRESS_ALGORITHM=['br', 'gzip'],
        # Pages are compressed as they go, at brotli quality 1 (issue 19: 0.33 ms less per page
        # than 4, 5.3 → 6.1 KB); static files once per process at the best quality (_compressible).
        COMPRESS_BR_LEVEL=1,
        # The sign-in page's rules (static/css/signin.css, tools/critical_css.py) inline in its
        # <head>, allowed by their hash in the CSP; 'app.css' links the whole sheet instead.
        SIGN_IN_CSS='inline',
        COMPRESS_MIN_SIZE=300,
        COMPRESS_STREAMS=False,
        MAIL_OUTBOX=os.environ.get('MAIL_OUTBOX', os.path.join(app.instance_path, 'outbox')),
        PUBLIC_URL=os.environ.get('PUBLIC_URL', ''),  # links in e-mails start here, never at the Host header
        PROXY_HOPS=int(os.environ.get('PROXY_HOPS', 0)),  # trusted proxies in front; 0: X-Forwarded-For is ignored
        # A hung database answers 503 within about 3 s (SECURITY.md 23, 28).
        DB_REQUEST_SECONDS=float(os.environ.get('DB_REQUEST_SECONDS', 2.5)),
        DB_STATEMENT_SECONDS=float(os.environ.get('DB_STATEMENT_SECONDS', 60)),
        DB_BUSY_SECONDS=float(os.environ.get('DB_BUSY_SECONDS', 3)),
        KRUZHOK_TODAY=os.environ.get('KRUZHOK_TODAY', ''),  # development: run on that date
        **{name: os.environ.get(name, default) for name, default in FOOTER_DEFAULTS.items()},
    )
    app.config.update(esia_settings.from_environment(environment))
    if os.environ.get('TRUSTED_HOSTS'):
        app.config['TRUSTED_HOSTS'] = os.environ['TRUSTED_HOSTS'].split(',')
    if test_config:
        app.config.update(test_config)
    if not app.config['PUBLIC_URL']:
        if environment != 'development' and not app.testing:
            raise RuntimeError('PUBLIC_URL is not set: set it to the address users open, e.g. '
                               'https://kruzhok.example.ru (links in e-mails are built from it).')
        # Development: the address tools/serve.sh serves; tests: the test client's own host name.
        served = f"http://127.0.0.1:{os.environ.get('PORT', 8000)}"
        app.config['PUBLIC_URL'] = 'http://localhost' if app.testing else served
    app.config['PUBLIC_URL'] = app.config['PUBLIC_URL'].rstrip('/')
    if not app.config.get('SECRET_KEY'):
        app.config['SECRET_KEY'] = os.environ.get('SECRET_KEY') or _secret_key(app.instance_path)
    if app.config['PROXY_HOPS']:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config['PROXY_HOPS'])

    db.initialize(models.make_database(app.config['DATABASE_URL'], app.config['DB_BUSY_SECONDS'],
                                       app.config['DB_STATEMENT_SECONDS']))
    app.wsgi_app = StatementDeadline(app.wsgi_app, app.config['DB_REQUEST_SECONDS'])
    _set_the_clock(app)
    app.session_interface = DatabaseSessionInterface()
    _register_input_checks(app)  # before CSRF: a database outage or a NUL is not a stale form
    csrf.init_app(app)
    compress.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = None  # the session itself is server-side and revocable
    login_manager.login_view = 'auth.login'
    login_manager.login_message = 'Войдите в систему, чтобы открыть эту страницу.'
    login_manager.login_message_category = 'info'
    web.init_app(app)

    app.view_functions['static'] = _compressible(app.view_functions['static'])
    _register_request_hooks(app)
    _register_blueprints(app)
    _register_menu(app)
    _register_error_handlers(app)
    _register_commands(app)
    logging.getLogger('peewee').setLevel(logging.WARNING)
    for name in esia_client.expired_certificates(app.config):
        app.logger.warning('ESIA_VERIFY_TOKENS: certificate %s is past its notAfter: tokens signed '
                           'with ЕСИА\'s new key will be refused until it is added', name)
    return app


def _set_the_clock(app):
    """KRUZHOK_TODAY=YYYY-MM-DD runs a development instance on that date in the first region's
    zone (the header says so); anywhere else it is ignored, and the log says why."""
    wanted = (app.config['KRUZHOK_TODAY'] or '').strip()
    day = None
    if wanted and app.config['ENV_NAME'] != 'development':
        app.logger.warning('KRUZHOK_TODAY=%s is ignored: it is honoured only with '
                           'KRUZHOK_ENV=development', wanted[:20])
    elif wanted:
        try:
            day = datetime.date.fromisoformat(wanted)
        except ValueError:
            app.logger.warning('KRUZHOK_TODAY=%s is ignored: write the date as YYYY-MM-DD', wanted[:20])
    zone = None
    if day is not None:
        try:
            zone = Region.zone_of(None)
        except DatabaseError:  # not migrated yet: the default zone
            pass
        finally:
            db.close()
    clock.start_on(day, zone)
    if day is not None:
        app.logger.warning('KRUZHOK_TODAY: the system date is %s', day.strftime('%d.%m.%Y'))


STATIC_COMPRESSED = {}  # (file name, ETag, encoding) → bytes compressed at the best quality


def _compressible(static_view):
    """Static files go out compressed at the best quality (brotli 11, gzip 9), compressed once per
    process and kept (they are small, few and cached by browsers for a year); pages are compressed
    by Flask-Compress at its fast level."""
    import gzip

    import brotli

    @functools.wraps(static_view)
    def static(**kwargs):
        response = static_view(**kwargs)
        if response.status_code != 200:
            return response
        response.direct_passthrough = False
        response.make_sequence()
        accepted = request.headers.get('Accept-Encoding', '')
        encoding = 'br' if 'br' in accepted else 'gzip' if 'gzip' in accepted else None
        if encoding is None or response.mimetype not in compress.compress_mimetypes_set:
            return response
        # Keyed by the file (its ETag follows its time and size), never by the query string,
        # so no request can grow the cache.
        key = (kwargs.get('filename'), response.headers.get('ETag', ''), encoding)
        data = STATIC_COMPRESSED.get(key)
        if data is None:
            raw = response.get_data()
            data = (brotli.compress(raw, quality=11) if encoding == 'br'
                    else gzip.compress(raw, compresslevel=9, mtime=0))
            STATIC_COMPRESSED[key] = data
        response.set_data(data)
        response.headers['Content-Encoding'] = encoding
        response.vary.add('Accept-Encoding')
        return response
    return static


@compiled
def _roles_here(user_id, organisation_id):
    """The user's roles in the organisation, with it, its region (the time zone), its current
    school year and the future one if formed (one query, on every request)."""
    current_year = ((SchoolYear.organisation == UserRole.organisation)
                    & (SchoolYear.state == SchoolYear.CURRENT))
    Future = SchoolYear.alias('future_year')
    future_year = (Future.organisation == UserRole.organisation) & (Future.state == SchoolYear.FUTURE)
    return (UserRole.select(UserRole, Organisation, Region, Role, SchoolYear, Future)
            .join_from(UserRole, Organisation)
            .join_from(Organisation, Region)
            .join_from(UserRole, Role)
            .join_from(UserRole, SchoolYear, JOIN.LEFT_OUTER, on=current_year, attr='current_year')
            .join_from(UserRole, Future, JOIN.LEFT_OUTER, on=future_year, attr='future_year')
            .where(UserRole.user == user_id, UserRole.organisation == organisation_id))


@login_manager.user_loader
def load_user(user_id):
    signed_in = getattr(session, 'signed_in_user', None)
    user = (signed_in and signed_in(user_id)) or User.get_or_none(User.id == int(user_id))
    if user is None or user.is_blocked:
        return None
    return user


def _register_input_checks(app):
    @app.before_request
    def database_reachable():
        if getattr(session, 'database_down', False):
            raise OperationalError('session store unavailable')

    @app.before_request
    def refuse_nul():
        if carries_nul():
            return render_template('error.html', status=400, title='Недопустимый символ',
                                   text='В тексте запроса есть служебный символ (NUL), который '
                                        'нельзя сохранить. Перепечатайте значение вручную и '
                                        'повторите действие.'), 400


def _register_request_hooks(app):
    @app.before_request
    def require_sign_in():
        if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
            return None
        if request.headers.get('HX-Request'):
            return htmx_redirect(url_for('auth.login'), 401)
        if request.endpoint == 'home.index':  # the address one types: a first visit is not scolded
            return redirect(url_for('auth.login'))
        return login_manager.unauthorized()

    @app.before_request
    def load_organisation():
        g.organisation, g.roles, g.school_year = None, (), None
        g.current_year = g.future_year = None
        org_id = session.get('org_id')
        if request.endpoint in PUBLIC_ENDPOINTS or org_id is None:
            return
        roles = getattr(session, 'roles_in', lambda _: None)(int(org_id))
        if roles is None:  # a session row from before migration 0024, or a new organisation
            roles = _roles_here(current_user.id, int(org_id))
        if roles:
            g.organisation = roles[0].organisation
            g.roles = [ur.role for ur in roles]
            year = getattr(roles[0], 'current_year', None)
            g.school_year = g.current_year = year if year is not None and year.id else None
            future = getattr(roles[0], 'future_year', None)
            g.future_year = future if future is not None and future.id else None
            if (g.future_year is not None and session.get('year_view') == SchoolYear.FUTURE
                    and any(r.allows('year_transition') or r.allows('movement_book') for r in g.roles)):
                g.school_year = g.future_year  # the header switch «Будущий год»

    @app.after_request
    def preload_stylesheet(response):
        # A whole page names its stylesheet in the first response header, so a browser asks for
        # it at once instead of after reading the <head> of a compressed body (a 2G link: -0.4 s).
        if (response.status_code == 200 and response.mimetype == 'text/html'
                and not response.direct_passthrough and 'Link' not in response.headers):
            found = STYLESHEET.search(response.get_data()[:2048])
            if found:
                response.headers['Link'] = f'<{found.group(1).decode()}>; rel=preload; as=style'
                _compress_whole_page(response)
        return response

    with open(os.path.join(app.static_folder, 'css', 'signin.css'), encoding='utf-8') as fh:
        sign_in_style = fh.read()
    digest = base64.b64encode(hashlib.sha256(sign_in_style.encode()).digest()).decode()
    app.jinja_env.globals['sign_in_style'] = markupsafe.Markup(sign_in_style)  # our file, no user data
    csp = CSP.replace("style-src 'self'", f"style-src 'self' 'sha256-{digest}'")

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault('Content-Security-Policy', csp)
        headers['X-Content-Type-Options'] = 'nosniff'
        headers['X-Frame-Options'] = 'DENY'
        headers['Referrer-Policy'] = 'strict-origin-when-cross-origin'
        headers['Cross-Origin-Opener-Policy'] = 'same-origin'
        if request.endpoint != 'static':
            headers['Cache-Control'] = 'no-store'
        if getattr(g, 'varies_on_hx', False):
            response.vary.add('HX-Request')
        return response

    keep_open = isinstance(db.obj, models.SqliteDatabase)

    @app.teardown_appcontext
    def close_database(exc):
        # PostgreSQL connections go back to the pool; a SQLite connection stays open for the
        # thread's next request (opening one and its pragmas cost more than most pages' queries).
        if db.is_closed() or (keep_open and exc is None and not db.in_transaction()):
            return
        db.close()


def _register_blueprints(app):
    from blueprints import (auth, card, enrolment, esia, health, home, imports, inbox, monitoring, movement,
                            portfolio, programs, school_year, staff, staff_import, users)
    for blueprint in (auth.bp, card.bp, enrolment.bp, esia.bp, health.bp, home.bp, imports.bp, inbox.bp,
                      monitoring.bp, movement.bp, portfolio.bp, programs.bp, school_year.bp, staff.bp,
                      staff_import.bp, users.bp):
        app.register_blueprint(blueprint)
    from blueprints import personal_file
    app.register_blueprint(personal_file.bp)


@dataclasses.dataclass
class MenuItem:
    label: str
    endpoint: str
    url: str
    paths: tuple
    count: int = 0
    current: bool = False


def _register_menu(app):
    from blueprints.home import home_kind
    from services import home, inbox
    missing = [endpoint for _, entries in MAIN_MENU for _, endpoint, *_ in entries
               if endpoint not in app.view_functions]
    if missing:
        raise RuntimeError(f'MAIN_MENU names endpoints that do not exist: {missing}')

    def main_menu():
        """The groups of sections the signed-in user may open here, the current one marked."""
        if g.get('organisation') is None:
            return []
        groups = []
        for group, entries in MAIN_MENU:
            items = [MenuItem(label or home.TITLES[home_kind()], endpoint, url_for(endpoint), tuple(also))
                     for label, endpoint, *also in entries if web.may_open(app.view_functions[endpoint])]
            for item in items:
                if item.endpoint == INBOX:
                    item.count = inbox.unread_count(g.organisation)
            if items:
                groups.append((group, items))
        _mark_current([item for _, items in groups for item in items])
        return groups

    if (app.config['ENV_NAME'] == 'production' and not app.testing
            and app.config['OPERATOR_NAME'] == FOOTER_DEFAULTS['OPERATOR_NAME']):
        app.logger.warning('OPERATOR_NAME and SUPPORT_* are not set: every page names the demo operator')

    @app.context_processor
    def menu():
        footer = {name: app.config[name] for name in FOOTER_DEFAULTS}
        footer['SUPPORT_PHONE_LINK'] = re.sub(r'[^\d+]', '', footer['SUPPORT_PHONE'])
        return {'main_menu': main_menu, 'footer': footer}


def _mark_current(items):
    """The section the page belongs to: its own endpoint, else the longest URL the path starts
    with (the section's own or one it covers)."""
    def score(item):
        if request.endpoint == item.endpoint:
            return 10 ** 6
        urls = [url for url in (item.url, *item.paths) if url != '/' and request.path.startswith(url)]
        return max(map(len, urls), default=0)
    best = max(items, key=score, default=None)
    if best is not None and score(best):
        best.current = True


def _register_error_handlers(app):
    def page(status, title, text):
        return render_template('error.html', status=status, title=title, text=text,
                               database_down=status == 503), status

    @app.errorhandler(400)
    def bad_request(e):
        return page(400, 'Неверный запрос', 'Запрос не удалось разобрать. Вернитесь назад и повторите действие.')

    @app.errorhandler(CSRFError)
    def csrf_failed(e):
        return page(400, 'Страница устарела', 'Форма устарела или открыта в другой вкладке. Обновите страницу и повторите действие.')

    @app.errorhandler(403)
    def forbidden(e):
        return page(403, 'Нет доступа', 'У вашей роли нет права на это действие. Обратитесь к администратору вашей организации.')

    @app.errorhandler(404)
    def not_found(e):
        return page(404, 'Страница не найдена', 'Такой страницы нет или она вам недоступна. Проверьте адрес или вернитесь на главную.')

    @app.errorhandler(413)
    def too_large(e):
        return page(413, 'Файл слишком большой', 'Размер файла превышает допустимый. Разделите данные на несколько файлов поменьше.')

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(MaxConnectionsExceeded)
    def database_unavailable(e):
        app.logger.error('database unavailable: %s', type(e).__name__)
        try:
            db.close()
        except Exception:
            pass
        return page(503, 'Сервис временно недоступен', 'База данных не отвечает. Подождите минуту и обновите страницу.')

    @app.errorhandler(500)
    def server_error(e):
        return page(500, 'Ошибка на сервере', 'Что-то пошло не так. Повторите действие; если ошибка повторится, сообщите в техподдержку.')


def _register_commands(app):
    @app.cli.command('migrate')
    def migrate_command():
        """Apply pending migrations."""
        applied = models.migrate()
        click.echo('Применены миграции: ' + (', '.join(applied) if applied else 'нет новых'))

    @app.cli.command('seed-demo')
    @click.option('--children', default=20000, show_default=True, help='How many children.')
    @click.option('--organisations', default=300, show_default=True, help='How many organisations.')
    @click.option('--seed', default=2024, show_default=True, help='Random seed.')
    @click.option('--if-empty', is_flag=True, help='Do nothing when the region is already loaded.')
    def seed_demo_command(children, organisations, seed, if_empty):
        """Load the demo region (Сахалинская обл)."""
        import demo
        models.migrate()
        if if_empty and models.Region.select().exists():
            click.echo('Демо-регион уже загружен.')
        else:
            counts = demo.load_demo_region(children=children, organisations=organisations,
                                           seed=seed, progress=demo.print_progress,
                                           today=clock.moved_to())
            click.echo('Загружено: ' + ', '.join(f'{k}: {v}' for k, v in counts.items()))
        click.echo('Демо-входы (пароль для всех: Demo-2024!):')
        for login, password, who in demo.demo_sign_ins():
            click.echo(f'  {login:<15} {who}')
