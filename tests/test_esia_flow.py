"""Sign-in through ЕСИА against the development identity provider: state and codes, the
provider's switches, linking by СНИЛС, the sign-in policy, the user's link and sign-out."""
import datetime
import logging
from urllib.parse import parse_qs, urlsplit

import pytest

import clock
from devidp import people
from devidp.people import DEMO_SNILS
from models import AuditEvent, Person, Region, User
from services.esia import client as esia_client, errors, messages, policy, settings, signers
from tests import builders
from tests.esia_support import consent, demo_people, esia_sign_in, return_path

TEACHER_OID = people.by_key('teacher')['oid']


def events(name):
    return list(AuditEvent.select().where(AuditEvent.event == name).order_by(AuditEvent.id))


def refusal_text(client, response):
    assert response.status_code == 303 and response.headers['Location'].endswith('/login')
    return client.get('/login').get_data(as_text=True)


@pytest.fixture
def teacher(esia_app, region):
    demo_people(region)
    return region.teacher


# --- The happy path and linking ---------------------------------------------------------

def test_sign_in_page_links_to_the_esia_start(client, region):
    page = client.get('/login').get_data(as_text=True)
    assert '<a href="/esia/start" class="esia" hx-boost="false">Вход с учётной записью портала Госуслуг</a>' in page


def test_first_sign_in_links_the_account_after_the_organisation_is_confirmed(client, idp, teacher, region):
    response = esia_sign_in(client, idp, 'teacher')
    assert response.status_code == 303 and response.headers['Location'] == '/esia/confirm'
    page = client.get('/esia/confirm').get_data(as_text=True)
    assert 'odo-teacher' in page and 'МАУДО Центр детского творчества' in page
    assert User.get_by_id(teacher.id).esia_oid is None  # nothing linked before the confirmation
    done = client.post_form('/esia/confirm', {'organisation': region.odo.id}, page='/esia/confirm')
    assert done.status_code == 303 and done.headers['Location'] == '/'
    assert 'МАУДО Центр детского творчества' in client.get('/').get_data(as_text=True)
    assert User.get_by_id(teacher.id).esia_oid == TEACHER_OID
    assert events('esia_linked')[0].user_id == teacher.id
    sign_in = events('sign_in')[0]
    assert (sign_in.user_id, sign_in.organisation_id, sign_in.details) == (teacher.id, region.odo.id, 'esia')


def test_once_linked_the_oid_alone_finds_the_account(client, idp, teacher, region):
    User.update(esia_oid=TEACHER_OID).where(User.id == teacher.id).execute()
    Person.update(snils='78912345644').where(Person.id == teacher.person_id).execute()
    response = esia_sign_in(client, idp, 'teacher')
    assert response.status_code == 303 and response.headers['Location'] == '/'
    assert client.get('/').status_code == 200


def test_person_of_two_organisations_chooses_one(client, idp, esia_app, region):
    response = esia_sign_in(client, idp, 'director')  # СНИЛС of odo-admin, who works in two ОДО
    assert response.headers['Location'] == '/esia/confirm'
    unchosen = client.post_form('/esia/confirm', {}, page='/esia/confirm')
    assert unchosen.status_code == 400 and 'Выберите организацию' in unchosen.get_data(as_text=True)
    foreign = client.post_form('/esia/confirm', {'organisation': region.school.id}, page='/esia/confirm')
    assert foreign.status_code == 400 and User.get_by_id(region.admin.id).esia_oid is None
    client.post_form('/esia/confirm', {'organisation': region.other_odo.id}, page='/esia/confirm')
    assert 'МБУДО Дом детского творчества' in client.get('/').get_data(as_text=True)


@pytest.mark.parametrize('person_key', ['stranger', 'parent'])
def test_a_person_matching_nobody_is_told_to_ask_their_organisation(client, idp, teacher, person_key):
    text = refusal_text(client, esia_sign_in(client, idp, person_key))
    assert 'нет сотрудника с вашим СНИЛС' in text and 'администратора вашей организации' in text
    assert User.select().where(User.esia_oid.is_null(False)).count() == 0
    assert events('esia_sign_in_failed')[0].details == 'match_none'


def test_several_matches_are_never_guessed(client, idp, teacher, region):
    twin = builders.person('Ким', 'Дмитрий', 'Сергеевич', gender='M', snils=DEMO_SNILS['odo-teacher'])
    builders.user('kim-duplicate', region.other_odo, 'teacher', twin)
    text = refusal_text(client, esia_sign_in(client, idp, 'teacher'))
    assert 'указан у нескольких учётных записей' in text
    assert User.select().where(User.esia_oid.is_null(False)).count() == 0


def test_unconfirmed_esia_account_is_refused_with_an_explanation(client, idp, teacher):
    text = refusal_text(client, esia_sign_in(client, idp, 'unconfirmed'))
    assert 'не подтверждена' in text and 'Подтвердите личность' in text


def test_an_account_linked_to_another_esia_person_is_not_relinked(client, idp, teacher):
    User.update(esia_oid='999').where(User.id == teacher.id).execute()
    text = refusal_text(client, esia_sign_in(client, idp, 'teacher'))
    assert 'уже связана с другой учётной записью Госуслуг' in text
    assert User.get_by_id(teacher.id).esia_oid == '999'


def test_legacy_protocol_signs_in_too(client, idp, teacher, esia_app):
    esia_app.config['ESIA_PROTOCOL'] = 'legacy'
    start = client.get('/esia/start')
    assert '/aas/oauth2/ac?' in start.headers['Location']
    answer = consent(idp, start.headers['Location'], 'teacher')
    assert client.get(return_path(answer.headers['Location'])).headers['Location'] == '/esia/confirm'


# --- state and codes ---------------------------------------------------------------------

def test_return_without_a_started_sign_in_is_refused(client, teacher):
    text = refusal_text(client, client.get('/esia/return?code=abc&state=6a1f3c2e-8b4d-4e5f-9a7b-0c1d2e3f4a5b'))
    assert 'устарела, уже использована' in text
    assert events('esia_state_rejected')


def test_missing_state_is_refused(client, idp, teacher):
    start = client.get('/esia/start')
    answer = consent(idp, start.headers['Location'])
    code = parse_qs(urlsplit(answer.headers['Location']).query)['code'][0]
    assert 'устарела, уже использована' in refusal_text(client, client.get(f'/esia/return?code={code}'))


def test_a_replayed_return_is_refused(app, client, idp, teacher, region):
    start = client.get('/esia/start')
    back = return_path(consent(idp, start.headers['Location']).headers['Location'])
    assert client.get(back).headers['Location'] == '/esia/confirm'
    assert 'устарела, уже использована' in refusal_text(client, client.get(back))
    other_browser = app.test_client()
    assert other_browser.get(back).headers['Location'].endswith('/login')


def test_state_is_bound_to_the_session_that_started(app, client, idp, teacher):
    start = client.get('/esia/start')
    back = return_path(consent(idp, start.headers['Location']).headers['Location'])
    from tests.conftest import FormClient
    attacker = FormClient(app.test_client())
    attacker.get('/esia/start')  # the attacker has a state of their own, not this one
    assert 'устарела, уже использована' in refusal_text(attacker, attacker.get(back))


def consented_code(config, signer, idp):
    """An authorization code the provider gives once the person consents (no browser involved)."""
    url = messages.authorization_url(config, signer, '0b7e1b9a-3f1c-4a55-9d43-2f6b8f1e7a10',
                                     datetime.datetime.now(datetime.timezone.utc))
    return parse_qs(urlsplit(consent(idp, url).headers['Location']).query)['code'][0]


def test_a_code_works_once(esia_app, idp, teacher):
    config = esia_app.config
    signer = signers.make_signer(config)
    code = consented_code(config, signer, idp)
    oid, _ = esia_client.exchange_code(config, signer, code)
    assert oid == TEACHER_OID
    with pytest.raises(errors.EsiaError) as second:
        esia_client.exchange_code(config, signer, code)
    assert second.value.code == 'invalid_grant'
    assert 'уже использован' in second.value.user_message


def test_tokens_and_codes_never_reach_the_logs(client, idp, teacher, region, caplog, esia_app):
    caplog.set_level(logging.DEBUG)
    start = client.get('/esia/start')
    location = consent(idp, start.headers['Location']).headers['Location']
    code = parse_qs(urlsplit(location).query)['code'][0]
    client.get(return_path(location))
    client.post_form('/esia/confirm', {'organisation': region.odo.id}, page='/esia/confirm')
    esia_app.config['ESIA_VERIFY_TOKENS'] = esia_app.config['ESIA_CERT_PATH']  # force a logged failure
    client.post_form('/logout')
    esia_sign_in(client, idp, 'teacher')
    secret = parse_qs(urlsplit(start.headers['Location']).query)['client_secret'][0]
    logged = caplog.text + ' '.join(e.details for e in AuditEvent.select())
    assert 'esia sign-in failed: bad_token' in caplog.text
    for value in (code, secret, DEMO_SNILS['odo-teacher']):
        assert value not in logged


# --- The provider's checks and switches ------------------------------------------------------

@pytest.mark.parametrize('switch, expected', [
    ('bad_signature', 'ESIA-007053'),
    ('missing_parameter', 'ESIA-007014'),
    ('error_500', 'временно не работают'),
    ('slow', 'не ответили вовремя'),
])
def test_every_switch_of_the_provider_gives_a_clear_message(client, idp, teacher, switch, expected, esia_app):
    idp.extensions['devidp'].switches[switch] = True
    esia_app.config['ESIA_TIMEOUT'] = 2  # the provider sleeps 4 s when slow
    text = refusal_text(client, esia_sign_in(client, idp, 'teacher'))
    assert expected in text
    assert events('esia_sign_in_failed')
    assert User.select().where(User.esia_oid.is_null(False)).count() == 0


def test_refusing_consent_says_what_to_do(client, idp, teacher):
    text = refusal_text(client, esia_sign_in(client, idp, 'teacher', decision='deny'))
    assert 'Вы отказались предоставить' in text and 'разрешите доступ' in text


def test_switches_page_turns_switches_on_and_off(idp):
    browser = idp.test_client()
    browser.post('/switches', data={'slow': 'on', 'error_500': 'on'})
    assert idp.extensions['devidp'].switches == {'bad_signature': False, 'missing_parameter': False,
                                                 'error_500': True, 'slow': True}
    assert 'checked' in browser.get('/switches').get_data(as_text=True)


def test_provider_checks_the_real_signature(client, idp, teacher, esia_app, tmp_path):
    esia_app.config['ESIA_KEY_PATH'] = esia_app.config['ESIA_CERT_PATH'].replace('client.crt', 'idp.key')
    assert 'ESIA-007053' in refusal_text(client, esia_sign_in(client, idp, 'teacher'))


def test_provider_checks_the_timestamp_window_and_the_registered_redirect(esia_app, idp):
    config = dict(esia_app.config)
    signer = signers.make_signer(config)
    old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
    stale = consent(idp, messages.authorization_url(config, signer, '0b7e1b9a-3f1c-4a55-9d43-2f6b8f1e7a10', old))
    assert 'ESIA-007053' in parse_qs(urlsplit(stale.headers['Location']).query)['error_description'][0]
    config['ESIA_REDIRECT_URI'] = 'https://evil.example/steal'
    unregistered = consent(idp, messages.authorization_url(
        config, signer, '0b7e1b9a-3f1c-4a55-9d43-2f6b8f1e7a10', datetime.datetime.now(datetime.timezone.utc)))
    assert unregistered.status_code == 400 and 'Location' not in unregistered.headers


def test_a_token_from_another_signer_is_refused(client, idp, teacher, esia_app):
    esia_app.config['ESIA_VERIFY_TOKENS'] = esia_app.config['ESIA_CERT_PATH']  # not the provider's certificate
    text = refusal_text(client, esia_sign_in(client, idp, 'teacher'))
    assert 'не прошёл проверку подлинности' in text


def test_person_data_needs_the_persons_own_token(idp, esia_app, teacher):
    config = esia_app.config
    signer = signers.make_signer(config)
    oid, token = esia_client.exchange_code(config, signer, consented_code(config, signer, idp))
    person = esia_client.fetch_person(config, token, oid)
    assert (person.surname, person.snils, person.trusted) == ('Ким', DEMO_SNILS['odo-teacher'], True)
    browser = idp.test_client()
    assert browser.get(f'/rs/prns/{people.by_key("director")["oid"]}',
                       headers={'Authorization': f'Bearer {token}'}).status_code == 403
    assert browser.get(f'/rs/prns/{oid}', headers={'Authorization': 'Bearer forged'}).status_code == 401


# --- The sign-in policy ---------------------------------------------------------------------

def test_staff_password_is_refused_after_the_date_and_allowed_before(client, esia_app, region):
    refused = client.sign_in('odo-teacher', organisation=region.odo)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 200 and 'сотрудники входят только через Госуслуги' in text
    assert '«Вход с учётной записью портала Госуслуг»' in text
    assert events('sign_in_refused_policy')[0].details == 'staff'
    Region.update(esia_only_since=clock.today(region.region.zone) + datetime.timedelta(days=1)).execute()
    assert client.sign_in('odo-teacher', organisation=region.odo).status_code == 303


def test_child_under_fourteen_signs_in_with_a_password_and_fifteen_year_old_does_not(client, esia_app, region):
    demo_people(region)
    refused = client.sign_in('child-15', organisation=region.odo)
    assert refused.status_code == 200 and 'только дети младше 14 лет' in refused.get_data(as_text=True)
    assert events('sign_in_refused_policy')[0].details == 'teenager'
    assert client.sign_in('child-13', organisation=region.odo).status_code == 303


def test_break_glass_administrator_signs_in_with_a_password_and_it_is_audited(client, esia_app, region):
    User.update(is_break_glass=True).where(User.id == region.specialist.id).execute()
    assert client.sign_in('uo-specialist', organisation=region.body).status_code == 303
    assert events('break_glass_sign_in')[0].user_id == region.specialist.id


def test_age_is_computed_on_the_day(app):
    region = Region(esia_only_since=datetime.date(2024, 7, 1))
    today = datetime.date(2026, 11, 29)

    def account(birth_date):
        return User(person=builders.person('Тест', 'Тест', birth_date=birth_date))

    assert policy.password_sign_in(account(datetime.date(2012, 11, 29)), region, today).reason == 'teenager'
    assert policy.password_sign_in(account(datetime.date(2012, 11, 30)), region, today).reason == 'child'
    adult = account(datetime.date(1980, 1, 1))
    assert policy.password_sign_in(adult, region, datetime.date(2024, 6, 30)).allowed
    assert not policy.password_sign_in(adult, region, datetime.date(2024, 7, 1)).allowed
    assert policy.password_sign_in(adult, region, today, staff_password_allowed=True).reason == 'development'


def test_staff_password_switch_is_honoured_only_in_development():
    assert settings.from_environment('development', {'KRUZHOK_ALLOW_STAFF_PASSWORD': '1'})['STAFF_PASSWORD_SIGN_IN']
    assert not settings.from_environment('production', {'KRUZHOK_ALLOW_STAFF_PASSWORD': '1'})['STAFF_PASSWORD_SIGN_IN']
    assert not settings.from_environment('development', {})['STAFF_PASSWORD_SIGN_IN']


def test_production_never_points_at_the_development_provider():
    production = settings.from_environment('production', {})
    assert not any('127.0.0.1' in str(v) or 'devidp' in str(v) for v in production.values())
    assert 'ESIA_BASE_URL' in settings.missing(production)
    development = settings.from_environment('development', {})
    assert development['ESIA_BASE_URL'] == 'http://127.0.0.1:8001' and not settings.missing(development)


def test_unconfigured_esia_says_so(client, region, app):
    app.config.update(settings.from_environment('production', {}))
    assert 'ещё не настроен' in refusal_text(client, client.get('/esia/start'))


# --- The user's link, the administrator's view, sign-out --------------------------------

def signed_in_teacher(client, idp, region):
    esia_sign_in(client, idp, 'teacher')
    client.post_form('/esia/confirm', {'organisation': region.odo.id}, page='/esia/confirm')


def test_user_sees_and_removes_their_link(client, idp, teacher, region):
    signed_in_teacher(client, idp, region)
    assert 'href="/esia/link"' in client.get('/organisations').get_data(as_text=True)
    assert 'связана с учётной записью портала Госуслуг' in client.get('/esia/link').get_data(as_text=True)
    client.post_form('/esia/link/remove', {}, page='/esia/link')
    assert User.get_by_id(teacher.id).esia_oid is None
    assert events('esia_unlinked')[0].user_id == teacher.id
    assert 'не связана с Госуслугами' in client.get('/esia/link').get_data(as_text=True)


def test_administrator_sees_which_staff_are_linked(client, idp, teacher, region, esia_app):
    User.update(esia_oid=TEACHER_OID).where(User.id == teacher.id).execute()
    esia_app.config['STAFF_PASSWORD_SIGN_IN'] = True
    client.sign_in('odo-admin', organisation=region.odo)
    page = client.get('/esia/staff').get_data(as_text=True)
    assert 'Ёлкин Иван Сергеевич' in page and 'Связано: 1 из 2.' in page
    assert DEMO_SNILS['odo-teacher'] not in page and '123-456-789 64' not in page
    client.post_form('/logout')
    esia_app.config['STAFF_PASSWORD_SIGN_IN'] = False
    esia_sign_in(client, idp, 'teacher')
    assert client.get('/esia/staff').status_code == 403  # a teacher has no staff right


def test_sign_out_offers_esia_single_sign_out(client, idp, teacher, region, esia_app):
    signed_in_teacher(client, idp, region)
    response = client.post_form('/logout')
    assert response.headers['Location'] == '/esia/signed-out'
    page = client.get('/esia/signed-out').get_data(as_text=True)
    expected = messages.logout_url(esia_app.config, 'http://localhost/login').replace('&', '&amp;')
    assert f'href="{expected}"' in page and 'Выйти и из Госуслуг' in page
    logout = idp.test_client().get(urlsplit(messages.logout_url(esia_app.config, 'http://localhost/login')).path
                                   + '?' + urlsplit(messages.logout_url(esia_app.config, 'http://localhost/login')).query)
    assert logout.status_code == 302 and logout.headers['Location'] == 'http://localhost/login'
    assert client.get('/').status_code == 302  # signed out of Кружок


def test_password_sign_out_goes_straight_to_the_sign_in_page(client, region):
    client.sign_in('odo-admin', organisation=region.odo)
    assert client.post_form('/logout').headers['Location'] == '/login'


def test_provider_people_carry_the_snils_of_the_demo_accounts():
    import demo
    assert DEMO_SNILS == demo.DEMO_SNILS
    by_snils = {p['person']['snils'].replace('-', '').replace(' ', ''): p['key'] for p in people.people()}
    assert by_snils[demo.DEMO_SNILS['odo-teacher']] == 'teacher'
    assert by_snils[demo.DEMO_SNILS['odo-admin']] == 'director'
    assert by_snils[demo.DEMO_SNILS['child-15']] == 'teen'

