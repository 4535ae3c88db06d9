"""«Объединение: часть названия» and «Поиск организации по названию» narrow their lists by
themselves (issue 13, item 9): with JavaScript as one types, without it through their own
small form; Enter in them never runs the screen's search."""
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests import builders
from tests.test_enrolment_browser import NO_SCRIPT, sign_in

HTMX = {'HX-Request': 'true', 'HX-Request-Type': 'partial'}
NOT_CHOSEN = 'Не выбрано (кого нельзя зачислить, будет видно после выбора)'
SEARCH_REFUSAL = 'Укажите фамилию, дату рождения, СНИЛС или документ'


@pytest.fixture
def ceramics(app, region, registry):
    with app.app_context():
        return builders.association(region.odo, '3в Керамика')


def text(response):
    return response.get_data(as_text=True)


def query(url):
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_typing_answers_only_the_narrowed_list_of_associations(admin_client, registry, ceramics):
    order = registry['order']
    fragment = text(admin_client.get(f'/enrolment/orders/{order.id}/targets?screen=search&to_q=бис',
                                     headers=HTMX))
    assert '<!doctype' not in fragment.lower() and '<table' not in fragment
    assert '1а Бисер' in fragment and '3в Керамика' not in fragment
    assert 'id="to_q-kept" name="to_q" value="бис" hx-swap-oob="true"' in fragment


def test_the_live_choice_wins_over_the_state_the_form_was_drawn_with(admin_client, registry,
                                                                     ceramics):
    order, bead = registry['order'], registry['bead']
    fragment = text(admin_client.get(
        f'/enrolment/orders/{order.id}/targets?screen=search&to=&to_q=&to={bead.id}', headers=HTMX))
    assert f'<option value="{bead.id}" selected>' in fragment


def test_without_javascript_narrowing_keeps_the_screen_and_runs_no_search(admin_client, registry,
                                                                          ceramics):
    order = registry['order']
    answer = admin_client.get(f'/enrolment/orders/{order.id}/targets?screen=search&to_q=бис'
                              '&surname=&size=50')
    assert answer.status_code == 303
    assert urlsplit(answer.headers['Location']).path == f'/enrolment/orders/{order.id}/search'
    assert 'applied' not in query(answer.headers['Location'])
    page = text(admin_client.get(answer.headers['Location']))
    assert SEARCH_REFUSAL not in page and '<table class="results">' not in page
    assert '1а Бисер' in page and '3в Керамика' not in page
    assert 'value="бис"' in page


def test_without_javascript_a_search_already_shown_stays_shown(admin_client, registry, ceramics):
    order = registry['order']
    answer = admin_client.get(f'/enrolment/orders/{order.id}/targets?screen=search&applied=1'
                              '&surname=елкина&to_q=керам')
    assert {'applied': '1', 'surname': 'елкина', 'to_q': 'керам'}.items() <= query(
        answer.headers['Location']).items()
    page = text(admin_client.get(answer.headers['Location']))
    assert 'Ёлкина Алёна Игоревна' in page and '3в Керамика' in page and '1а Бисер' not in page


def test_organisation_name_narrows_the_list_of_other_organisations(admin_client, registry):
    order = registry['order']
    fragment = text(admin_client.get(f'/enrolment/orders/{order.id}/organisations?screen=others&q=сош',
                                     headers=HTMX))
    assert 'МАОУ СОШ № 1' in fragment and 'Дом детского творчества' not in fragment
    assert '<table' not in fragment and 'id="q-kept" name="q" value="сош"' in fragment
    pool = text(admin_client.get(f'/enrolment/orders/{order.id}/organisations?screen=pool&q=корсак',
                                 headers=HTMX))
    assert 'Организация выбытия' in pool and 'МБУДО ЦДТ г. Корсакова' in pool
    assert 'МАОУ СОШ № 1' not in pool
    answer = admin_client.get(f'/enrolment/orders/{order.id}/organisations?screen=others&q=сош')
    assert answer.status_code == 303 and query(answer.headers['Location'])['q'] == 'сош'
    page = text(admin_client.get(answer.headers['Location']))
    assert 'МАОУ СОШ № 1' in page and 'Дом детского творчества' not in page


@pytest.mark.parametrize('screen', ['unknown', ''])
def test_an_unknown_screen_is_no_page(admin_client, registry, screen):
    order = registry['order']
    for what in ('targets', 'organisations'):
        answer = admin_client.get(f'/enrolment/orders/{order.id}/{what}?screen={screen}&q=x')
        assert answer.status_code == 404 and 'Страница не найдена' in text(answer)


# --- In Chromium ---------------------------------------------------------------------------

@pytest.mark.browser
def test_with_javascript_the_lists_follow_the_typing(live_server, page, region, registry, ceramics):
    errors = []
    page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
    order, year = registry['order'], registry['bead'].school_year.title
    sign_in(page, live_server, region)
    page.goto(f'{live_server}/enrolment/orders/{order.id}/search')
    targets = page.locator('#to option')
    expect(targets).to_have_text([NOT_CHOSEN, f'1а Бисер · {year}', f'3в Керамика · {year}'])
    expect(page.locator('button:has-text("Найти")')).to_be_hidden()

    page.locator('#to_q').press_sequentially('кер', delay=50)  # no button pressed
    expect(targets).to_have_text([NOT_CHOSEN, f'3в Керамика · {year}'])
    page.locator('#to_q').press('Enter')
    expect(targets).to_have_text([NOT_CHOSEN, f'3в Керамика · {year}'])
    expect(page.locator(f'text={SEARCH_REFUSAL}')).to_have_count(0)  # Enter ran no search
    assert urlsplit(page.url).query == ''

    # The typed part travels with the search when it runs.
    page.fill('#surname', 'елкина')
    page.click('button:has-text("Применить")')
    expect(page.locator('table.results tbody tr')).to_have_count(1)
    assert query(page.url)['to_q'] == 'кер'
    expect(targets).to_have_text([NOT_CHOSEN, f'3в Керамика · {year}'])

    page.click('nav.enrol-tabs a:has-text("Список обучающихся в других ОО")')
    organisations = page.locator('#organisation option')
    expect(organisations.filter(has_text='МБУДО Дом детского творчества')).to_have_count(1)
    page.locator('#q').press_sequentially('сош', delay=50)
    expect(organisations).to_have_text(['Выберите организацию…', 'МАОУ СОШ № 1'])
    page.locator('#q').press('Enter')
    expect(organisations).to_have_text(['Выберите организацию…', 'МАОУ СОШ № 1'])
    page.select_option('#organisation', label='МАОУ СОШ № 1')  # runs the list, the name kept
    expect(page.locator('table.results')).to_be_visible()
    expect(page.locator('#q')).to_have_value('сош')
    assert query(page.url)['q'] == 'сош'
    assert errors == []


@pytest.mark.browser
@pytest.mark.parametrize('browser_context_options', [NO_SCRIPT], ids=['no-javascript'])
def test_without_javascript_their_own_form_narrows(live_server, page, browser_context_options,
                                                   region, registry, ceramics):
    order, year = registry['order'], registry['bead'].school_year.title
    sign_in(page, live_server, region)
    page.goto(f'{live_server}/enrolment/orders/{order.id}/search')
    targets = page.locator('#to option')
    page.fill('#to_q', 'кер')
    page.locator('#to_q').press('Enter')  # submits «Найти», not the search
    expect(targets).to_have_text([NOT_CHOSEN, f'3в Керамика · {year}'])
    expect(page.locator(f'text={SEARCH_REFUSAL}')).to_have_count(0)
    expect(page.locator('table.results')).to_have_count(0)
    expect(page.locator('#to_q')).to_have_value('кер')

    page.fill('#to_q', 'бис')
    page.click('button:has-text("Найти") >> nth=0')
    expect(targets).to_have_text([NOT_CHOSEN, f'1а Бисер · {year}'])

    page.goto(f'{live_server}/enrolment/orders/{order.id}/other-organisations')
    page.fill('#q', 'сош')
    page.locator('#q').press('Enter')
    expect(page.locator('#organisation option')).to_have_text(['Выберите организацию…', 'МАОУ СОШ № 1'])
    expect(page.locator('#to_q')).to_have_value('')
    page.select_option('#organisation', label='МАОУ СОШ № 1')
    page.click('button:has-text("Применить")')
    expect(page.locator('table.results')).to_be_visible()
    expect(page.locator('#q')).to_have_value('сош')  # the name travels with «Применить»
