"""Password sign-in through the organisation cascade, lockout, sessions, resets."""
import datetime
import email
import email.policy
import re

from models import AuditEvent, User, WebSession, utcnow
from tests.conftest import FormClient


def events(name):
    return [e for e in AuditEvent.select().where(AuditEvent.event == name)]


def test_cascade_narrows_each_choice(client, region):
    page = client.get('/login').get_data(as_text=True)
    assert 'Сахалинская обл' in page and 'Городской округ Южно-Сахалинск' in page
    assert 'Населённый пункт' not in page  # nothing to pick before the municipality

    page = client.get(f'/login?municipality={region.city.id}').get_data(as_text=True)
    assert 'Южно-Сахалинск, г.' in page and 'Корсаков, г.' not in page

    page = client.get(f'/login?municipality={region.city.id}&settlement={region.town.id}&kind=odo').get_data(as_text=True)
    assert 'МАУДО Центр детского творчества' in page
    assert 'МАОУ СОШ № 1' not in page and 'ЦДТ г. Корсакова' not in page


def test_cascade_drops_a_settlement_of_another_municipality(client, region):
    page = client.get(f'/login?municipality={region.city.id}&settlement={region.korsakov.id}&kind=odo').get_data(as_text=True)
    assert 'МАУДО Центр детского творчества' not in page


def test_organisation_search_is_case_and_yo_insensitive(client, region):
    base = f'/login?municipality={region.city.id}&settlement={region.town.id}&kind=odo'
    page = client.get(base + '&q=ЦЕНТР твОрчества').get_data(as_text=True)
    assert 'Центр детского творчества' in page and 'Дом детского творчества' not in page


def test_cascade_answers_a_fragment_to_htmx(client, region):
    response = client.get(f'/login?municipality={region.city.id}',
                          headers={'HX-Request': 'true', 'HX-Request-Type': 'partial'})
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="cascade"') and '<html' not in body
    assert 'HX-Request' in response.headers['Vary']
    restore = client.get(f'/login?municipality={region.city.id}',
                         headers={'HX-Request': 'true', 'HX-Request-Type': 'full',
                                  'HX-History-Restore-Request': 'true'})
    assert '<html' in restore.get_data(as_text=True)


def test_management_body_tab_lists_bodies_only(client, region):
    page = client.get(f'/login?tab=body&municipality={region.city.id}').get_data(as_text=True)
    assert 'Департамент образования' in page and 'Центр детского творчества' not in page


def test_sign_in_lands_in_the_chosen_organisation(client, region):
    response = client.sign_in('odo-admin', organisation=region.odo)
    assert response.status_code == 303 and response.headers['Location'] == '/'
    home = client.get('/').get_data(as_text=True)
    assert 'МАУДО Центр детского творчества' in home and '2026/2027' in home
    assert events('sign_in')[0].organisation_id == region.odo.id


def test_sign_in_refuses_an_organisation_the_user_does_not_belong_to(client, region):
    response = client.sign_in('odo-admin', organisation=region.school)
    assert response.status_code == 200
    assert 'не относится к выбранной организации' in response.get_data(as_text=True)
    assert client.get('/').status_code == 302


def test_unknown_login_and_wrong_password_look_identical(client, region):
    unknown = client.sign_in('nobody', 'Whatever-123').get_data(as_text=True)
    wrong = client.sign_in('odo-admin', 'Whatever-123', region.odo).get_data(as_text=True)
    message = 'Неверный логин или пароль'
    assert message in unknown and message in wrong
    # The whole page, less what the user typed and the CSRF token, is the same: the login typed,
    # the organisation chosen and the message are all that differ, and the message does not.
    def strip(html):
        html = re.sub(r'name="csrf_token" value="[^"]+"', '', html)
        html = re.sub(r'value="(nobody|odo-admin)"', '', html)
        return re.sub(r'<option value="\d+"[^>]*>', '<option>', html)
    assert strip(unknown) == strip(wrong)


def test_five_failures_lock_the_account_for_fifteen_minutes(client, region):
    for _ in range(5):
        client.sign_in('odo-admin', 'Wrong-password-1', region.odo)
    locked = User.get(User.login == 'odo-admin')
    assert locked.locked_until > utcnow() + datetime.timedelta(minutes=14)
    response = client.sign_in('odo-admin', organisation=region.odo)  # right password, still locked
    assert response.status_code == 200 and 'Неверный логин или пароль' in response.get_data(as_text=True)
    assert len(events('locked_out')) == 2
    User.update(locked_until=utcnow() - datetime.timedelta(seconds=1)).where(User.id == locked.id).execute()
    assert client.sign_in('odo-admin', organisation=region.odo).status_code == 303


def test_sign_out_revokes_a_copied_cookie(app, client, region):
    client.sign_in('odo-admin', organisation=region.odo)
    cookie = client.get_cookie('kruzhok_session').value
    assert client.get('/').status_code == 200
    client.post_form('/logout')
    thief = app.test_client()
    thief.set_cookie('kruzhok_session', cookie)
    assert thief.get('/').status_code == 302
    assert events('sign_out')


def test_sign_in_issues_a_new_session_id(client, region):
    client.get('/login')
    before = client.get_cookie('kruzhok_session').value
    client.sign_in('odo-admin', organisation=region.odo)
    assert client.get_cookie('kruzhok_session').value != before


def test_idle_session_expires(client, region):
    client.sign_in('odo-admin', organisation=region.odo)
    WebSession.update(last_seen_at=utcnow() - datetime.timedelta(minutes=31)).execute()
    assert client.get('/').status_code == 302


def test_absolute_session_lifetime(client, region):
    client.sign_in('odo-admin', organisation=region.odo)
    WebSession.update(created_at=utcnow() - datetime.timedelta(hours=12, minutes=1)).execute()
    assert client.get('/').status_code == 302


def test_ending_all_sessions_signs_the_user_out_everywhere(app, client, region):
    from services.auth.accounts import end_all_sessions
    browsers = [client] + [FormClient(app.test_client()) for _ in range(2)]
    for browser in browsers:
        assert browser.sign_in('odo-admin', organisation=region.odo).status_code == 303
        assert browser.get('/').status_code == 200
    assert end_all_sessions(region.admin) == 3
    assert [browser.get('/').status_code for browser in browsers] == [302, 302, 302]


def test_redirect_after_sign_in_stays_on_this_site(client, region):
    for target in ('https://evil.example/', '//evil.example/', '/\\evil.example'):
        response = client.post_form('/login', {'login': 'odo-admin', 'password': 'Demo-2024!',
                                               'organisation': region.odo.id, 'next': target})
        assert response.headers['Location'] == '/'
        client.post_form('/logout')
    response = client.post_form('/login', {'login': 'odo-admin', 'password': 'Demo-2024!',
                                           'organisation': region.odo.id, 'next': '/organisations'})
    assert response.headers['Location'] == '/organisations'


def test_post_without_csrf_token_is_refused(client, region):
    response = client.post('/login', data={'login': 'odo-admin', 'password': 'Demo-2024!'})
    assert response.status_code == 400
    assert 'Страница устарела' in response.get_data(as_text=True)


def test_switching_between_own_organisations(admin_client, region):
    page = admin_client.get('/organisations').get_data(as_text=True)
    assert 'МБУДО Дом детского творчества' in page and 'МАОУ СОШ' not in page
    admin_client.post_form('/organisations', {'organisation': region.other_odo.id})
    assert 'МБУДО Дом детского творчества' in admin_client.get('/').get_data(as_text=True)
    admin_client.post_form('/organisations', {'organisation': region.school.id})
    assert 'МБУДО Дом детского творчества' in admin_client.get('/').get_data(as_text=True)


def test_password_reset_by_one_time_link(app, client, region, tmp_path):
    client.post_form('/password/reset', {'login': 'odo-admin'})
    outbox = list((tmp_path / 'outbox').iterdir())
    assert len(outbox) == 1
    mail = email.message_from_bytes(outbox[0].read_bytes(), policy=email.policy.default)
    assert mail['To'] == 'admin@example.org'
    link = re.search(r'http://localhost(/password/reset/\S+)', mail.get_content()).group(1)
    form = client.get(link).headers['Location']  # the link's token moves into the session
    weak = client.post_form(form, {'password': 'qwerty123', 'password_again': 'qwerty123'}, page=form)
    assert 'слишком распространён' in weak.get_data(as_text=True)
    done = client.post_form(form, {'password': 'Sakhalin-Kids-77', 'password_again': 'Sakhalin-Kids-77'}, page=form)
    assert done.status_code == 303
    assert client.sign_in('odo-admin', 'Sakhalin-Kids-77', region.odo).status_code == 303
    client.post_form('/logout')
    again = client.get(link)
    assert again.status_code == 303  # the link works once


def test_password_reset_does_not_reveal_unknown_logins(client, region, tmp_path):
    response = client.post_form('/password/reset', {'login': 'nobody'}, follow_redirects=True)
    assert 'Если такая учётная запись есть' in response.get_data(as_text=True)
    assert not (tmp_path / 'outbox').exists()
