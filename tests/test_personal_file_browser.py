"""In Chromium, the personal file's «Done when» (issue 18): the administrator opens a child's
personal file from the book, adds a parent and a passport replacing the birth certificate (the
certificate stays as former), records the consent and sees the change history; the second
organisation where the child is enrolled sees the changes; a duplicate is merged and the file
keeps both histories.  The file fits a 360 px screen."""
import datetime
import os

import pytest
from playwright.sync_api import expect

from models import IdentityDocument, Order, Person
from tests import builders
from tests.test_movement_browser import sign_in

pytestmark = pytest.mark.browser
SHOTS = '/tmp/shots/file'


@pytest.fixture
def family(app, region):
    bead = builders.association(region.odo, '1а Бисер')
    robots = builders.association(region.other_odo, '2б Робототехника')
    choir = builders.association(region.far_odo, '1в Хор')
    kid = builders.child('Соколов', 'Матвей', 'Андреевич', datetime.date(2011, 6, 1), gender='M',
                         snils=builders.valid_snils('171171171'),
                         document=('birth_certificate_rf', 'I-ФС', '610203'))
    twin = builders.child('Соколов', 'Матвей', 'Андреевич', datetime.date(2011, 6, 1), gender='M',
                          document=('birth_certificate_rf', 'I-ФС', '610230'))
    builders.committed(region.odo, Order.ENROLMENT, 1, [kid], to=bead)
    builders.committed(region.other_odo, Order.ENROLMENT, 2, [kid], to=robots)
    builders.committed(region.far_odo, Order.ENROLMENT, 3, [twin], to=choir)
    return kid, twin


def shot(page, name):
    """The whole page, and on a phone also its first screens, to look at."""
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f'{SHOTS}/{name}.png', full_page=True)
    width = page.viewport_size['width']
    if width < 500:
        for n in range(3):
            page.screenshot(path=f'{SHOTS}/{name}-part{n + 1}.png', full_page=True,
                            clip={'x': 0, 'y': 1400 * n, 'width': width, 'height': 1400})


def test_the_personal_file_from_the_book_to_the_merge(live_server, page, region, family):
    kid, twin = family
    base = live_server
    errors = []
    page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
    sign_in(page, base, 'odo-admin', region.odo)
    page.goto(base + '/movement/')
    page.click('a:has-text("Соколов Матвей Андреевич")')
    page.click('a.button:has-text("Личное дело")')
    expect(page.locator('h1')).to_have_text('Соколов Матвей Андреевич')
    expect(page.locator('#documents')).to_contain_text('I-ФС № 610203')

    page.click('summary:has-text("Добавить родителя")')
    page.select_option('#relation', 'mother')
    page.fill('#guardian_surname', 'Соколова')
    page.fill('#guardian_name', 'Елена')
    page.fill('#guardian_patronymic', 'Викторовна')
    page.fill('#guardian_phone', '+7 914 700-10-02')
    page.click('#guardians button:has-text("Добавить")')
    expect(page.locator('.flash.ok')).to_contain_text('Родитель (законный представитель) добавлен')
    expect(page.locator('#guardians')).to_contain_text('Соколова Елена Викторовна')

    page.click('summary:has-text("Добавить документ")')
    page.select_option('#kind', 'passport_rf')
    page.fill('#series', '64 25')
    page.fill('#number', '701010')
    page.fill('#issued_on', '2025-07-01')
    page.fill('#issued_by', 'УМВД России по Сахалинской области')
    page.fill('#division_code', '650-001')
    page.click('#documents button:has-text("Добавить документ")')
    # A change of the current document runs the similar-person check first: the twin is found.
    expect(page.locator('#documents .flash.warn')).to_contain_text('похожие дети')
    expect(page.locator('#documents .flash.warn')).to_contain_text('МБУДО ЦДТ г. Корсакова')
    page.click('#documents button:has-text("Всё равно добавить")')
    expect(page.locator('.flash.ok')).to_contain_text('Документ добавлен')
    rows = page.locator('#documents tbody tr')
    expect(rows.nth(0)).to_contain_text('Паспорт РФ 6425 № 701010')
    expect(rows.nth(0)).to_contain_text('текущий')
    expect(rows.nth(1)).to_contain_text('I-ФС № 610203')
    expect(rows.nth(1)).to_contain_text('прежний')

    page.click('summary:has-text("Записать согласие")')
    page.fill('#signed_by', 'Соколова Елена Викторовна')
    page.click('#consents button:has-text("Записать")')
    expect(page.locator('#consents')).to_contain_text('действует')
    expect(page.locator('#consents .flash.warn')).to_have_count(0)
    changes = page.locator('#changes')
    expect(changes).to_contain_text('Родители (законные представители)')
    expect(changes).to_contain_text('Паспорт РФ 6425 № 701010')
    expect(changes).to_contain_text('Согласие на обработку персональных данных')
    expect(changes).to_contain_text('Смирнова Ольга Петровна')
    shot(page, 'file-1280')
    page.set_viewport_size({'width': 360, 'height': 800})
    assert page.evaluate('document.documentElement.scrollWidth') <= 360
    shot(page, 'file-360')
    page.set_viewport_size({'width': 1280, 'height': 800})

    # The second organisation, where Матвей attends «2б Робототехника», sees the changes.
    sign_in(page, base, 'odo-admin', region.other_odo)
    page.goto(f'{base}/file/{kid.id}')
    expect(page.locator('#guardians')).to_contain_text('Соколова Елена Викторовна')
    expect(page.locator('#documents')).to_contain_text('6425 № 701010')
    expect(page.locator('#changes')).to_contain_text('МАУДО Центр детского творчества')

    # The duplicate from the Корсаков ОДО is merged; the file keeps both histories.
    page.click(f'a[href="/file/{kid.id}/merge/{twin.id}"]')
    expect(page.locator('h1')).to_have_text('Объединить дубликат с личным делом')
    shot(page, 'merge-1280')
    page.click('button:has-text("Объединить")')
    expect(page.locator('.flash.ok')).to_contain_text('присоединена к личному делу')
    history = page.locator('#movement')
    for organisation in ('МАУДО Центр детского творчества', 'МБУДО Дом детского творчества',
                         'МБУДО ЦДТ г. Корсакова'):
        expect(history).to_contain_text(organisation)
    expect(page.locator('#documents')).to_contain_text('I-ФС № 610230')
    assert Person.get_or_none(Person.id == twin.id) is None
    assert IdentityDocument.select().where(IdentityDocument.person == kid.id).count() == 3
    shot(page, 'merged-1280')
    page.set_viewport_size({'width': 360, 'height': 800})
    page.goto(f'{base}/file/{kid.id}')
    assert page.evaluate('document.documentElement.scrollWidth') <= 360
    shot(page, 'merged-360')
    assert not errors, errors


def test_the_new_child_form_offers_the_child_found_in_the_registry(live_server, page, region, family):
    kid, _ = family
    base = live_server
    sign_in(page, base, 'odo-admin', region.odo)
    order = builders.draft(region.odo, Order.ENROLMENT, 5, on=builders.day(10, 1))
    chess = builders.association(region.odo, '2а Шахматы')
    for width in (1280, 360):
        page.set_viewport_size({'width': width, 'height': 800})
        page.goto(f'{base}/movement/orders/{order.id}/add')
        page.fill('#surname', 'Соколов')
        page.fill('#name', 'Матвей')
        page.fill('#patronymic', 'Андреевич')
        page.fill('#birth_date', '2011-06-01')
        page.check('input[name=gender][value=M]')
        page.select_option('#association_to_new', value=str(chess.id))
        page.click('button:has-text("Добавить в приказ")')
        found = page.locator('#choice')
        expect(found).to_contain_text('В регистре есть похожие дети')
        expect(found).to_contain_text('***-***-171 34')
        assert page.evaluate('document.documentElement.scrollWidth') <= width
        shot(page, f'new-child-found-{width}')
    page.check(f'#choice input[value="{kid.id}"]')
    page.click('button:has-text("Добавить выбранного в приказ")')
    expect(page.locator('.flash.ok')).to_contain_text('Добавлено в приказ')
    assert Person.select().where(Person.surname == 'Соколов').count() == 2  # nobody new


def test_the_teacher_opens_a_pupils_file_without_documents(live_server, page, region, family):
    from models import Association, Employment
    kid, _ = family
    taught_by = Employment.get(Employment.person == region.teacher.person_id)
    Association.update(teacher=taught_by).where(Association.name == '1а Бисер').execute()
    sign_in(page, live_server, 'odo-teacher', region.odo)
    page.click('a:has-text("Соколов Матвей Андреевич")')
    page.click('a.button:has-text("Личное дело")')
    expect(page.locator('h1')).to_have_text('Соколов Матвей Андреевич')
    expect(page.locator('main')).not_to_contain_text('610203')
    expect(page.locator('main')).not_to_contain_text('СНИЛС')
    expect(page.locator('main')).not_to_contain_text('МБУДО Дом детского творчества')  # another organisation
    shot(page, 'teacher-1280')
