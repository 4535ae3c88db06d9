"""The development identity provider: a small Flask app that speaks ЕСИА's protocol.

It checks what ЕСИА checks (registered client and redirect, timestamp window, certificate
hash, the GOST signature of every request, single-use codes), shows a consent page with
test people, and answers with signed tokens and person data. Switches simulate ЕСИА's
failures. It holds development-only keys (devidp/keys); production never points at it.
"""
import datetime
import os
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from flask import Flask, jsonify, redirect, render_template, request

from devidp import people
from services.esia import gost, messages, tokens

KEYS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'keys')
SWITCHES = {
    'bad_signature': 'Подпись запроса неверна (ESIA-007053)',
    'missing_parameter': 'В запросе нет обязательного параметра (ESIA-007014)',
    'error_500': 'Обмен кода на маркер отвечает 500',
    'slow': 'Обмен кода на маркер отвечает медленно',
}
SCOPE_LABELS = {'openid': 'идентификатор', 'fullname': 'ФИО', 'birthdate': 'дата рождения',
                'gender': 'пол', 'snils': 'СНИЛС'}
CODE_LIFETIME = 300
TOKEN_LIFETIME = 3600


@dataclass
class Client:
    certificate: gost.Certificate
    redirect_uris: list


@dataclass
class State:
    switches: dict = field(default_factory=lambda: dict.fromkeys(SWITCHES, False))
    pending: dict = field(default_factory=dict)  # consent id → authorization request
    codes: dict = field(default_factory=dict)  # code → what it was issued for
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self):
        with self.lock:
            self.switches = dict.fromkeys(SWITCHES, False)
            self.pending.clear()
            self.codes.clear()


class Refusal(Exception):
    def __init__(self, error, description):
        super().__init__(description)
        self.error, self.description = error, description


def create_app(config=None):
    app = Flask(__name__)
    port = int(os.environ.get('DEVIDP_PORT', 8001))
    app.config.from_mapping(
        ISSUER=os.environ.get('DEVIDP_ISSUER', f'http://127.0.0.1:{port}/'),
        KEY_PATH=os.path.join(KEYS, 'idp.key'),
        CLIENTS={os.environ.get('DEVIDP_CLIENT_ID', 'KRUZHOK-DEV'): {
            'certificate': os.environ.get('DEVIDP_CLIENT_CERT', os.path.join(KEYS, 'client.crt')),
            'redirect_uris': os.environ.get(
                'DEVIDP_REDIRECT_URIS',
                'http://127.0.0.1:8000/esia/return,http://localhost:8000/esia/return').split(','),
        }},
        TIMESTAMP_WINDOW=300,
        SLOW_SECONDS=float(os.environ.get('DEVIDP_SLOW_SECONDS', 30)),
    )
    if config:
        app.config.update(config)
    with open(app.config['KEY_PATH'], 'rb') as fh:
        app.config['SIGNING_KEY'] = gost.PrivateKey.from_pem(fh.read())
    clients = {client_id: Client(gost.Certificate.from_file(c['certificate']), list(c['redirect_uris']))
               for client_id, c in app.config['CLIENTS'].items()}
    state = State()
    state.clients = clients
    app.extensions['devidp'] = state
    _routes(app, clients, state)
    return app


def _check_timestamp(stamp, window):
    try:
        moment = datetime.datetime.strptime(stamp, '%Y.%m.%d %H:%M:%S %z')
    except ValueError:
        raise Refusal('invalid_request', 'ESIA-007014: неверный формат параметра timestamp') from None
    skew = abs((datetime.datetime.now(datetime.timezone.utc) - moment).total_seconds())
    if skew > window:
        raise Refusal('invalid_request', 'ESIA-007053: timestamp вне допустимого окна')


def _require(values, names):
    for name in names:
        if not values.get(name):
            raise Refusal('invalid_request', f'ESIA-007014: в запросе нет параметра {name}')


def _verify_secret(client, values, text, legacy):
    """The client's signature: raw (current protocol) or a detached CMS (legacy)."""
    try:
        secret = messages.b64url_decode(values['client_secret'])
        if legacy:
            certificate, signature = gost.cms_signature(secret)
            if certificate.der != client.certificate.der:
                raise ValueError('foreign certificate')
        else:
            if values['client_certificate_hash'].upper() != client.certificate.hash_hex():
                raise ValueError('certificate hash')
            signature = secret
    except (ValueError, gost.GostError, IndexError):
        raise Refusal('invalid_client', 'ESIA-007053: ошибка проверки подписи запроса') from None
    if not client.certificate.public_key().verify(text, signature):
        raise Refusal('invalid_client', 'ESIA-007053: ошибка проверки подписи запроса')


def _routes(app, clients, state):
    def client_for(values):
        client = clients.get(values.get('client_id', ''))
        if client is None or values.get('redirect_uri') not in client.redirect_uris:
            return None
        return client

    def back(redirect_uri, **params):
        return redirect(f'{redirect_uri}?{urlencode(params)}', 302)

    def authorize(legacy):
        values = request.args
        client = client_for(values)
        if client is None:
            return render_template('error.html', text='Система-клиент не зарегистрирована или '
                                   'адрес возврата (redirect_uri) не совпадает с зарегистрированным.'), 400
        redirect_uri, client_state = values['redirect_uri'], values.get('state', '')
        try:
            if state.switches['missing_parameter']:
                raise Refusal('invalid_request', 'ESIA-007014: в запросе нет обязательного параметра')
            if state.switches['bad_signature']:
                raise Refusal('invalid_client', 'ESIA-007053: ошибка проверки подписи запроса')
            names = ['client_id', 'client_secret', 'redirect_uri', 'scope', 'response_type',
                     'state', 'timestamp', 'access_type']
            _require(values, names if legacy else names + ['client_certificate_hash'])
            if values['response_type'] != 'code' or 'openid' not in values['scope'].split():
                raise Refusal('invalid_request', 'ESIA-007014: response_type=code и scope openid обязательны')
            uuid.UUID(values['state'])
            _check_timestamp(values['timestamp'], app.config['TIMESTAMP_WINDOW'])
            text = (messages.legacy_text(values['scope'], values['timestamp'], values['client_id'], values['state'])
                    if legacy else
                    messages.authorization_text(values['client_id'], values['scope'], values['timestamp'],
                                                values['state'], redirect_uri))
            _verify_secret(client, values, text, legacy)
        except Refusal as refusal:
            return back(redirect_uri, error=refusal.error, error_description=refusal.description,
                        state=client_state)
        except ValueError:
            return back(redirect_uri, error='invalid_request',
                        error_description='ESIA-007014: state должен быть UUID', state=client_state)
        consent_id = secrets.token_urlsafe(16)
        with state.lock:
            state.pending[consent_id] = {'client_id': values['client_id'], 'redirect_uri': redirect_uri,
                                         'state': client_state, 'scope': values['scope']}
        return render_template('consent.html', consent_id=consent_id, people=people.people(),
                               scopes=[SCOPE_LABELS.get(s, s) for s in values['scope'].split()],
                               client_id=values['client_id'], switches=state.switches,
                               switch_labels=SWITCHES)

    @app.get('/aas/oauth2/v2/ac')
    def authorize_current():
        return authorize(legacy=False)

    @app.get('/aas/oauth2/ac')
    def authorize_legacy():
        return authorize(legacy=True)

    @app.post('/consent')
    def consent():
        with state.lock:
            pending = state.pending.pop(request.form.get('consent_id', ''), None)
        if pending is None:
            return render_template('error.html', text='Запрос на вход устарел. Вернитесь в систему и начните вход заново.'), 400
        person = people.by_oid(request.form.get('oid', ''))
        if request.form.get('decision') != 'allow' or person is None:
            return back(pending['redirect_uri'], error='access_denied',
                        error_description='ESIA-007004: Владелец ресурса отказал в доступе к ресурсу',
                        state=pending['state'])
        code = secrets.token_urlsafe(32)
        with state.lock:
            state.codes[code] = dict(pending, oid=person['oid'], expires=time.time() + CODE_LIFETIME,
                                     used=False)
        return back(pending['redirect_uri'], code=code, state=pending['state'])

    def exchange(legacy):
        if state.switches['error_500']:
            return jsonify(error='server_error', error_description='Внутренняя ошибка'), 500
        if state.switches['slow']:
            time.sleep(app.config['SLOW_SECONDS'])
        values = request.form
        try:
            names = ['client_id', 'code', 'grant_type', 'client_secret', 'state', 'redirect_uri',
                     'scope', 'timestamp', 'token_type']
            _require(values, names if legacy else names + ['client_certificate_hash'])
            client = client_for(values)
            if client is None:
                raise Refusal('invalid_client', 'ESIA-007053: клиент или redirect_uri не зарегистрированы')
            if values['grant_type'] != 'authorization_code' or values['token_type'] != 'Bearer':
                raise Refusal('invalid_request', 'ESIA-007014: неверный grant_type или token_type')
            _check_timestamp(values['timestamp'], app.config['TIMESTAMP_WINDOW'])
            text = (messages.legacy_text(values['scope'], values['timestamp'], values['client_id'], values['state'])
                    if legacy else
                    messages.token_text(values['client_id'], values['scope'], values['timestamp'],
                                        values['state'], values['redirect_uri'], values['code']))
            _verify_secret(client, values, text, legacy)
            with state.lock:
                issued = state.codes.get(values['code'])
                if (issued is None or issued['used'] or issued['expires'] < time.time()
                        or issued['client_id'] != values['client_id']
                        or issued['redirect_uri'] != values['redirect_uri']):
                    raise Refusal('invalid_grant', 'ESIA-007013: код авторизации недействителен или уже использован')
                issued['used'] = True
        except Refusal as refusal:
            return jsonify(error=refusal.error, error_description=refusal.description), 400
        now = int(time.time())
        oid, session = int(issued['oid']), secrets.token_hex(32)
        common = {'iss': app.config['ISSUER'], 'iat': now, 'nbf': now, 'exp': now + TOKEN_LIFETIME,
                  'urn:esia:sid': session}
        key = app.config['SIGNING_KEY']
        # ЕСИА's shapes: the person is urn:esia:sbj_id in the access token only; the id_token
        # names it in sub and urn:esia:sbj → urn:esia:sbj:oid.
        access = tokens.issue(dict(common, client_id=values['client_id'], scope=issued['scope'],
                                   **{'urn:esia:sbj_id': oid}), key)
        identity = tokens.issue(dict(common, aud=values['client_id'], sub=oid, auth_time=now,
                                     amr='PWD', **{'urn:esia:amd': 'PWD', 'urn:esia:sbj': {
                                         'urn:esia:sbj:typ': 'P', 'urn:esia:sbj:is_tru': True,
                                         'urn:esia:sbj:oid': oid, 'urn:esia:sbj:nam': f'OID.{oid}'}}),
                                key, subject_type='id')
        return jsonify(access_token=access, id_token=identity, state=values['state'],
                       token_type='Bearer', expires_in=TOKEN_LIFETIME,
                       refresh_token=str(uuid.uuid4()))

    @app.post('/aas/oauth2/v3/te')
    def token_current():
        return exchange(legacy=False)

    @app.post('/aas/oauth2/te')
    def token_legacy():
        return exchange(legacy=True)

    @app.get('/rs/prns/<oid>')
    def person_data(oid):
        bearer = request.headers.get('Authorization', '')
        claims = None
        for client_id in clients:
            try:
                claims = tokens.verify(bearer.removeprefix('Bearer '), app.config['SIGNING_KEY'].public_key(),
                                       app.config['ISSUER'], client_id, time.time())
                break
            except tokens.TokenError:
                continue
        if claims is None:
            return jsonify(error='invalid_token'), 401
        person = people.by_oid(oid)
        if str(claims.get('urn:esia:sbj_id')) != oid or person is None:
            return jsonify(error='forbidden'), 403
        return jsonify(person['person'])

    @app.get('/idp/ext/Logout')
    def logout():
        client = clients.get(request.args.get('client_id', ''))
        target = request.args.get('redirect_url', '')
        origins = {urlsplit(u)[:2] for u in client.redirect_uris} if client else set()
        if target and urlsplit(target)[:2] in origins:
            return redirect(target, 302)
        return render_template('error.html', text='Вы вышли из учётной записи (тестовый поставщик).')

    @app.route('/switches', methods=['GET', 'POST'])
    def switches():
        if request.method == 'POST':
            with state.lock:
                for name in SWITCHES:
                    state.switches[name] = request.form.get(name) == 'on'
            return redirect('/switches', 303)
        return render_template('switches.html', switches=state.switches, switch_labels=SWITCHES)

    @app.get('/favicon.ico')
    def favicon():
        return '', 204

    @app.get('/')
    def index():
        return redirect('/switches', 302)
