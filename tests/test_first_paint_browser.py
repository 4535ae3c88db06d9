"""2G first paint (issue 19, item 5) in Chromium: the sign-in page draws the same with its own
inline rules (static/css/signin.css) as with the whole app.css, in every state of the cascade at
360 and 1280 px; htmx follows the load event there and on the registry screens (a change made
before it arrives is replayed), comes before it elsewhere; a first visit's HTML and CSS weigh
≤ 8 KB compressed; the inline rules pass the CSP."""
import re

import pytest
from playwright.sync_api import expect

from models import Municipality

pytestmark = pytest.mark.browser

SIZES = [{'width': 360, 'height': 900}, {'width': 1280, 'height': 900}]


def states(region):
    city = region.city
    step = f'/login?tab=org&region={region.region.id}&municipality={city.id}'
    return ['/login', '/login?tab=body', step, f'{step}&settlement={region.town.id}',
            f'{step}&settlement={region.town.id}&kind=odo',
            f'{step}&settlement={region.town.id}&kind=odo&q=zzzz']


@pytest.mark.parametrize('size', SIZES, ids=['360', '1280'])
def test_the_sign_in_page_looks_the_same_with_its_own_rules(app, live_server, browser, region, size):
    context = browser.new_context(viewport=size, locale='ru-RU', java_script_enabled=False)
    page = context.new_page()
    try:
        for path in states(region):
            app.config['SIGN_IN_CSS'] = 'inline'
            page.goto(live_server + path)
            assert page.locator('head style').count() == 1
            own = page.screenshot(full_page=True)
            app.config['SIGN_IN_CSS'] = 'app.css'
            page.goto(live_server + path)
            assert page.locator('head link[rel=stylesheet]').count() == 1
            whole = page.screenshot(full_page=True)
            if own != whole:
                with open(f'/tmp/signin-own-{size["width"]}.png', 'wb') as fh:
                    fh.write(own)
                with open(f'/tmp/signin-whole-{size["width"]}.png', 'wb') as fh:
                    fh.write(whole)
            assert own == whole, (path, 'run tools/critical_css.py: the sign-in page needs rules '
                                        'that static/css/signin.css lacks')
    finally:
        app.config['SIGN_IN_CSS'] = 'inline'
        context.close()


def test_htmx_follows_the_load_event_on_the_sign_in_page_and_a_change_is_replayed(live_server, page):
    errors = []
    page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
    page.route('**/htmx-4.0.1.min.js*', lambda route: (page.wait_for_timeout(600), route.continue_()))
    page.goto(live_server + '/login')
    assert page.evaluate('!!window.htmx') is False  # the page is loaded, htmx not yet
    page.select_option('#municipality', label='Городской округ Южно-Сахалинск')  # before htmx
    expect(page.locator('#settlement')).to_have_count(1)  # answered once htmx arrived
    assert page.evaluate('!!window.htmx') is True
    assert errors == []  # the inline rules and the loaded script pass the CSP and SRI


def test_other_pages_get_htmx_before_their_load_event(admin_client, live_server, page, region):
    page.goto(live_server + '/login')
    page.fill('#login', 'odo-admin')
    page.fill('#password', 'Demo-2024!')
    # the organisation is chosen by the cascade; without it the administrator of two ОДО is asked
    page.goto(live_server + f'/login?tab=org&region={region.region.id}&municipality={region.city.id}'
              f'&settlement={region.town.id}&kind=odo')
    page.select_option('#organisation', label='МАУДО Центр детского творчества')
    page.fill('#login', 'odo-admin')
    page.fill('#password', 'Demo-2024!')
    page.click('button:has-text("Войти")')
    page.wait_for_url(live_server + '/')
    assert page.evaluate('!!window.htmx') is True  # the home page: loaded with it


def test_a_first_visit_weighs_at_most_8_kb_of_html_and_css(client, region):
    page = client.get('/login', headers={'Accept-Encoding': 'br'})
    assert page.headers['Content-Encoding'] == 'br'
    html = client.get('/login').get_data(as_text=True)
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    total = len(page.data) + sum(len(client.get(s, headers={'Accept-Encoding': 'br'}).data)
                                 for s in sheets)
    assert not sheets and '<style>' in html  # its rules travel with it: one round trip
    assert total <= 8 * 1024, total


def test_whole_pages_name_their_stylesheet_first_and_fragments_do_not(admin_client, registry):
    screen = f'/enrolment/orders/{registry["order"].id}/search?applied=1&surname=%D0%BF'
    response = admin_client.get(screen, headers={'Accept-Encoding': 'br'})
    assert re.fullmatch(r'</static/css/app\.css\?v=[0-9a-f]+>; rel=preload; as=style',
                        response.headers['Link'])
    assert response.headers['Content-Encoding'] == 'br'
    fragment = admin_client.get(screen, headers={'HX-Request': 'true', 'HX-Request-Type': 'partial'})
    assert fragment.status_code == 200 and 'Link' not in fragment.headers
