"""In Chromium, the new teacher's whole way (issue 14, «Done when»): the administrator adds an
employee whose СНИЛС the development provider knows («Иванов Пётр Петрович — Человек,
неизвестный региону»), grants «Педагог»; that person signs in through the provider and lands
on «Мои объединения»; the administrator assigns them an объединение and they see its children;
the administrator dismisses them and their next request goes to the sign-in page.  The
teacher's pages fit a 360 px screen."""
import datetime

import pytest
from playwright.sync_api import expect

from models import AuditEvent, Employment, Person, User
from tests import builders
from tests.esia_support import CLIENT_ID, esia_config

pytestmark = pytest.mark.browser

STRANGER_SNILS = '789-123-456 44'


@pytest.fixture
def esia_live(live_server, app, idp, idp_server, region):
    """The live app pointed at the provider, its return address registered there; an
    объединение of the administrator's with two children, to be given to the new teacher."""
    beads = builders.association(region.odo, '1а Бисер', builders.program(region.odo))
    builders.place(builders.child('Иванова', 'Анна', birth_date=datetime.date(2015, 3, 1)), beads,
                   started=builders.day(9, 14))
    builders.place(builders.child('Орлов', 'Илья', 'Игоревич', gender='M'), beads)
    redirect_uri = live_server + '/esia/return'
    app.config.update(esia_config(idp_server[1], redirect_uri))
    registered = idp.extensions['devidp'].clients[CLIENT_ID].redirect_uris
    registered.append(redirect_uri)
    yield live_server, idp_server[1], beads
    registered.remove(redirect_uri)


def esia_sign_in(page, base, idp_url, key, organisation=None):
    """Through the provider as its test person ``key``; on first sign-in, link and pick."""
    page.goto(base + '/login')
    page.click('text=Вход с учётной записью портала Госуслуг')
    page.wait_for_url(idp_url + '/aas/oauth2/v2/ac?*')
    page.check(f'input[data-key="{key}"]')
    page.click('button:has-text("Предоставить доступ")')
    page.wait_for_url(base + '/esia/confirm')
    if organisation:
        page.check(f'label.choice:has-text("{organisation}") input')
    page.click('form button.primary')
    page.wait_for_url(base + '/')


def fits(page, width):
    return page.evaluate('document.documentElement.scrollWidth') <= width


def test_a_new_teacher_from_hiring_to_dismissal(esia_live, page, browser, region):
    base, idp_url, beads = esia_live
    errors = []
    page.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
    # The administrator (the provider's «director» has her СНИЛС) adds the employee.
    esia_sign_in(page, base, idp_url, 'director', 'МАУДО Центр детского творчества')
    page.click('nav.menu >> text=Сведения о сотрудниках')
    page.click('text=Добавить сотрудника')
    page.fill('#surname', 'Иванов')
    page.fill('#name', 'Пётр')
    page.fill('#patronymic', 'Петрович')
    page.fill('#birth_date', '1979-09-30')
    page.select_option('#gender', 'M')
    page.fill('#snils', STRANGER_SNILS)
    page.select_option('#position', label='Педагог дополнительного образования')
    page.fill('#started_on', '2026-09-01')
    page.click('button:has-text("Найти в регистре и добавить")')
    if page.locator('button:has-text("Добавить сотрудника")').count():  # the registry's answer
        page.click('button:has-text("Добавить сотрудника")')
    expect(page.locator('h1')).to_have_text('Иванов Пётр Петрович')
    person = Person.get(Person.snils == '78912345644')
    job = Employment.get(Employment.person == person, Employment.organisation == region.odo)

    # «Пользователи и роли»: «Педагог» with a reason; the account appears by itself.
    page.click('nav.menu >> text=Пользователи и роли')
    page.click('td >> text=Иванов Пётр Петрович')
    page.select_option('#grant-role', label='Педагог дополнительного образования')
    page.fill('#grant-reason', 'Приказ о приёме № 15-к от 01.09.2026')
    page.click('button:has-text("Выдать роль")')
    account = User.get(User.person == person)
    page.wait_for_url(f'{base}/users/{account.id}')
    assert account.password_hash is None and account.esia_oid is None

    # The new teacher signs in through the provider and lands on «Мои объединения», empty.
    teacher_context = browser.new_context(viewport={'width': 1280, 'height': 800}, locale='ru-RU')
    teacher_context.set_default_timeout(10000)
    teacher = teacher_context.new_page()
    teacher.on('console', lambda m: errors.append(m.text) if m.type == 'error' else None)
    esia_sign_in(teacher, base, idp_url, 'stranger')
    expect(teacher.locator('h1')).to_have_text('Мои объединения')
    expect(teacher.locator('main')).to_contain_text('не закреплено ни одного объединения')
    assert [link.inner_text() for link in teacher.locator('nav.menu a').all()] == [
        'Мои объединения', 'Моё портфолио', 'Карточка ОО']
    assert User.get_by_id(account.id).esia_oid == '1000000006'

    # The administrator gives them «1а Бисер»; the teacher sees its children and opens a card.
    page.click('nav.menu >> text=Объединения')
    page.click('text=1а Бисер')
    page.click('summary:has-text("Изменить объединение")')
    page.select_option('#teacher', label='Иванов Пётр Петрович — Педагог дополнительного образования')
    page.click('button:has-text("Сохранить")')
    expect(page.locator('.flash').first).to_be_visible()
    teacher.reload()
    card = teacher.locator('#association-%d' % beads.id)
    expect(card.locator('h2')).to_have_text('1а Бисер')
    expect(card.locator('tbody tr')).to_have_count(2)
    teacher.click('text=Иванова Анна Сергеевна')
    expect(teacher.locator('h1')).to_have_text('Иванова Анна Сергеевна')
    expect(teacher.locator('main')).to_contain_text('«1а Бисер»')
    expect(teacher.locator('main')).to_contain_text('занимается с 14.09.2026')
    teacher.set_viewport_size({'width': 360, 'height': 740})
    assert fits(teacher, 360)
    teacher.go_back()
    expect(teacher.locator('h1')).to_have_text('Мои объединения')
    assert fits(teacher, 360)
    teacher.set_viewport_size({'width': 1280, 'height': 800})

    # «Уволить»: the warning, the date; the teacher's next request goes to the sign-in page.
    page.goto(f'{base}/staff/{job.id}')
    page.click('a:has-text("Уволить")')
    expect(page.locator('.flash.warn')).to_contain_text('станет только для чтения')
    page.click('button:has-text("Уволить")')
    expect(page.locator('main')).to_contain_text('Карточка теперь только')
    assert Employment.get_by_id(job.id).dismissed_on is not None
    teacher.reload()
    teacher.wait_for_url(base + '/login*')
    expect(teacher.locator('h1')).not_to_have_text('Мои объединения')
    assert not Person.get_by_id(person.id).is_staff
    assert AuditEvent.select().where(AuditEvent.event == 'role_granted').exists()
    teacher_context.close()
    assert errors == []
