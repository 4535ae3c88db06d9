"""In Chromium: the administrator follows the card's missing-field links to 100 %, is refused a
wrong ИНН, edits the phone with a reason and finds it in the change log; a second browser with
the card open from before is told what changed and loses nothing; the management body reads the
card without a single input."""
import os

import pytest
from playwright.sync_api import expect

from models import Organisation
from services import card
from tests import builders
from tests.test_card import full_form
from tests.test_portfolio import pdf

pytestmark = pytest.mark.browser

SHOTS = os.environ.get('SHOTS', '')  # a folder: the test saves what it saw there
DESKTOP = {'viewport': {'width': 1280, 'height': 800}, 'locale': 'ru-RU'}
PHONE = {'viewport': {'width': 360, 'height': 740}, 'locale': 'ru-RU', 'is_mobile': True, 'has_touch': True}
LEFT_EMPTY = ('phone', 'okpo', 'licence_issuer', 'internet_speed_actual')


def shot(page, name, at=None):
    """The whole page, or the screen around ``at`` (a selector)."""
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        if at:
            page.locator(at).first.scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(SHOTS, f'{name}.png'), full_page=not at)


def sign_in(page, base, login, org):
    tab = 'body' if org.kind == 'municipal_body' else 'org'
    page.goto(f'{base}/login?tab={tab}&region={org.region_id}&municipality={org.municipality_id}'
              f'&settlement={org.settlement_id or ""}&kind={org.kind}')
    page.select_option('#organisation', value=str(org.id))
    page.fill('#login', login)
    page.fill('#password', builders.PASSWORD)
    page.click('button:has-text("Войти")')
    page.wait_for_url(base + '/')


@pytest.fixture(autouse=True)
def uploads(app, tmp_path):
    app.config['UPLOAD_FOLDER'] = str(tmp_path / 'uploads')


@pytest.fixture
def partly_filled(app, region):
    """The card as the demo leaves it: most of it filled, a few fields empty."""
    with app.app_context():
        form = full_form(region, **{code: '' for code in LEFT_EMPTY})
        values, errors = card.parse_card(_Form(form), [e for e, _ in card.staff_of(region.odo)],
                                         [], builders.day(12, 1))
        assert not errors, errors
        card.save_card(region.odo, 1, values, 'Заполнено при подключении', region.admin)
        return card.card_fill(Organisation.get_by_id(region.odo.id))


class _Form(dict):
    def get(self, key, default=None, type=None):
        value = super().get(key, default)
        return type(value) if type and value not in (None, '') else value

    def getlist(self, key):
        value = super().get(key, [])
        return value if isinstance(value, list) else [value]


@pytest.mark.parametrize('options', [DESKTOP, PHONE], ids=['1280', '360'])
def test_the_card_journey(browser, live_server, region, partly_filled, options):
    base = live_server
    assert partly_filled.missing and partly_filled.tenths < 1000
    admin = browser.new_context(**options).new_page()
    admin.set_default_timeout(10000)
    sign_in(admin, base, 'odo-admin', region.odo)
    admin.click('nav.menu >> text=Карточка ОО') if options is DESKTOP else admin.goto(f'{base}/card/')
    admin.wait_for_url(f'{base}/card/')
    expect(admin.locator('#card-fill .fill')).to_have_text(partly_filled.label)
    expect(admin.locator('#card-fill')).to_contain_text(partly_filled.level_word)
    shot(admin, f'card-{options["viewport"]["width"]}-partly')
    shot(admin, f'card-{options["viewport"]["width"]}-partly-top', 'h1')

    # A second browser opens the card now and keeps it open.
    second = browser.new_context(**options).new_page()
    second.set_default_timeout(10000)
    sign_in(second, base, 'odo-admin', region.odo)
    second.goto(f'{base}/card/')

    # Each missing field's link jumps to its input.
    typed = {'phone': '8 4242 45-67-89', 'okpo': '57972160', 'licence_issuer': 'Министерство образования Сахалинской области',
             'internet_speed_actual': '94'}
    for code in LEFT_EMPTY:
        admin.click(f'#card-fill a[href="#field-{code}"]')
        assert admin.evaluate('location.hash') == f'#field-{code}'
        expect(admin.locator(f'#field-{code}')).to_be_in_viewport()
        admin.fill(f'#field-{code}', typed[code])
    admin.fill('#field-inn', '6501001238')
    admin.fill('#reason', 'Дополнены реквизиты и лицензия')
    admin.click('button:has-text("Сохранить карточку")')
    expect(admin.locator('#inn-error')).to_have_text(
        'ИНН не проходит проверку контрольной цифры: скорее всего, в нём опечатка. '
        'Сверьте его со свидетельством о постановке на учёт или выпиской ЕГРЮЛ.')
    expect(admin.locator('#field-okpo')).to_have_value('57972160')  # nothing typed is lost
    shot(admin, f'card-{options["viewport"]["width"]}-wrong-inn')
    shot(admin, f'card-{options["viewport"]["width"]}-wrong-inn-field', '#inn-error')
    admin.fill('#field-inn', '6501001239')
    admin.click('button:has-text("Сохранить карточку")')
    expect(admin.locator('.flash.ok')).to_contain_text('Карточка сохранена')
    expect(admin.locator('#card-fill .fill')).to_have_text('100\u00a0%')
    expect(admin.locator('#card-fill')).to_contain_text('высокий')

    # The phone edited with a reason is in the change log beside the card.
    admin.fill('#field-phone', '+7 (4242) 11-22-33')
    admin.fill('#reason', 'Сменился номер приёмной')
    admin.click('button:has-text("Сохранить карточку")')
    expect(admin.locator('.flash.ok')).to_contain_text('изменено полей — 1')
    newest = admin.locator('.card-log li').first
    expect(newest).to_contain_text('Телефоны')
    expect(newest).to_contain_text('+7 (424) 245-67-89 → +7 (424) 211-22-33')
    expect(newest).to_contain_text('Причина: Сменился номер приёмной')
    # The licence's scan goes in beside its link.
    admin.set_input_files('#field-licence_scan', files=[{'name': 'лицензия.pdf', 'mimeType': 'application/pdf',
                                                         'buffer': pdf()}])
    admin.fill('#reason', 'Загружен скан лицензии')
    admin.click('button:has-text("Сохранить карточку")')
    expect(admin.locator('.flash.ok')).to_contain_text('изменено полей — 1')
    expect(admin.locator('#section-licence a:has-text("PDF")')).to_be_visible()
    admin.select_option('select[name="section"]', 'licence')
    expect(admin.locator('#card-log-list')).not_to_contain_text('Телефоны')
    expect(admin.locator('#card-log-list')).to_contain_text('Кем выдана лицензия')
    shot(admin, f'card-{options["viewport"]["width"]}-full')
    shot(admin, f'card-{options["viewport"]["width"]}-log', '#card-log')

    # The second browser saves its outdated card: told, and nothing is lost on either side.
    second.fill('#field-email', 'info@cdt65.ru')
    second.fill('#reason', 'Новая почта')
    second.click('button:has-text("Сохранить карточку")')
    expect(second.locator('.flash.error')).to_contain_text('Пока карточка была открыта у вас, её сохранили снова')
    expect(second.locator('.flash.error')).to_contain_text('«Телефоны»')
    expect(second.locator('#field-email')).to_have_value('info@cdt65.ru')
    expect(second.locator('#field-phone')).to_have_value('+7 (424) 211-22-33')
    assert second.locator('.hint.stale').count() == 0  # it changed none of those fields itself
    shot(second, f'card-{options["viewport"]["width"]}-stale')
    shot(second, f'card-{options["viewport"]["width"]}-stale-top', '.flash.error')
    second.click('button:has-text("Сохранить карточку")')
    expect(second.locator('.flash.ok')).to_contain_text('Карточка сохранена')
    odo = Organisation.get_by_id(region.odo.id)
    assert (odo.phone, odo.email) == ('+7 (424) 211-22-33', 'info@cdt65.ru')

    # The management body reads the card: not one input, the log still there.
    body = browser.new_context(**options).new_page()
    body.set_default_timeout(10000)
    sign_in(body, base, 'uo-specialist', region.body)
    # From monitoring's table to what the organisation lacks, and on to its card.
    body.click(f'a[href="/monitoring/organisations/{region.odo.id}"]')
    body.click(f'main a[href="/card/{region.odo.id}"]')
    body.wait_for_url(f'{base}/card/{region.odo.id}')
    expect(body.locator('h1')).to_have_text('Карточка ОО: МАУДО Центр детского творчества')
    expect(body.locator('.badge')).to_have_text('Только просмотр')
    assert body.locator('.card-main input, .card-main select, .card-main textarea').count() == 0
    expect(body.locator('#field-phone')).to_contain_text('+7 (424) 211-22-33')
    expect(body.locator('.card-log')).to_contain_text('Сменился номер приёмной')
    expect(body.locator('#field-licence_scan a')).to_contain_text('PDF')
    assert body.evaluate('document.documentElement.scrollWidth') <= options['viewport']['width']
    assert admin.evaluate('document.documentElement.scrollWidth') <= options['viewport']['width']
    shot(body, f'card-{options["viewport"]["width"]}-body')
    shot(body, f'card-{options["viewport"]["width"]}-body-top', 'h1')
    for page in (admin, second, body):
        page.context.close()


@pytest.mark.parametrize('options', [DESKTOP, PHONE], ids=['1280', '360'])
def test_the_regional_body_adds_a_parameter_that_every_card_then_asks_for(browser, app, live_server, region,
                                                                         options):
    with app.app_context():
        ministry = builders.organisation(region.region, None, None, 'regional_body', 'Министерство образования')
        builders.user('minobr', ministry, 'authority_specialist')
    page = browser.new_context(**options).new_page()
    page.set_default_timeout(10000)
    page.goto(f'{live_server}/login?tab=body&region={region.region.id}&kind=regional_body')
    page.select_option('#organisation', value=str(ministry.id))
    page.fill('#login', 'minobr')
    page.fill('#password', builders.PASSWORD)
    page.click('button:has-text("Войти")')
    page.wait_for_url(live_server + '/')
    page.goto(f'{live_server}/card/settings')
    page.fill('#name', 'Наличие спортивного зала')
    page.select_option('#kind', 'yes_no')
    page.check('input[name="required"]')
    page.click('button:has-text("Добавить параметр")')
    expect(page.locator('.flash.ok')).to_contain_text('Параметр «Наличие спортивного зала» добавлен')
    expect(page.locator('#parameters td.name')).to_have_text('Наличие спортивного зала')
    assert page.evaluate('document.documentElement.scrollWidth') <= options['viewport']['width']
    shot(page, f'card-settings-{options["viewport"]["width"]}')
    page.goto(f'{live_server}/card/{region.odo.id}')
    expect(page.locator('#card-fill')).to_contain_text('Наличие спортивного зала')
    expect(page.locator('#section-region')).to_contain_text('не заполнено')
    page.context.close()
