"""«Карточка ОО»: the checksum rules, edits with a reason into the change log, the outdated card,
who may read and edit, the region's parameters and required list, and the fill percentage."""
import datetime
import io
import json

import pytest
from openpyxl import load_workbook

from models import (CardParameter, CardParameterValue, Employment, Organisation, OrganisationCardChange,
                    OrganisationManager, Region)
from keys import name_key
from services import card
from services.card import fields, validation
from services.fill import Fill
from tests import builders
from tests.test_portfolio import pdf, png

TODAY = datetime.date(2026, 12, 2)


# --- The rules for what people type ------------------------------------------------------------

@pytest.mark.parametrize('check, text, stored', [
    (validation.check_inn, '7830002293', '7830002293'),        # stdnum's own vector
    (validation.check_inn, '6501 001 239', '6501001239'),
    (validation.check_kpp, '650101001', '650101001'),
    (validation.check_kpp, '7730AB001', '7730AB001'),
    (validation.check_ogrn, '1027700132195', '1027700132195'),  # stdnum's own vector
    (validation.check_ogrn, '1026500001230', '1026500001230'),
    (validation.check_okpo, '00032537', '00032537'),            # ПАО Сбербанк
    (validation.check_okpo, '57972160', '57972160'),
    (validation.check_okato, '64401000000', '64401000000'),
    (validation.check_oktmo, '64701000', '64701000'),
    (validation.check_okved, '85.41', '85.41'),
    (validation.check_bik, '044525225', '044525225'),
    (validation.check_bik, '016401800', '016401800'),  # УФК по Сахалинской области
    (validation.check_phones, '8 (4242) 45-67-89, +7 914 123 45 67',
     '+7 (424) 245-67-89, +7 (914) 123-45-67'),
    (validation.check_email, 'CDT@Edu65.ru', 'cdt@edu65.ru'),
    (validation.check_url, 'cdt.edu65.ru', 'https://cdt.edu65.ru'),
])
def test_valid_codes_pass_and_are_stored_normalised(check, text, stored):
    assert check(text) == (stored, None)


@pytest.mark.parametrize('check, text, sentence', [
    (validation.check_inn, '7830002294', 'ИНН не проходит проверку контрольной цифры'),
    (validation.check_inn, '783000229', 'ИНН организации — 10 цифр'),
    (validation.check_inn, '500100732259', 'ИНН организации — 10 цифр'),  # a person's 12 digits
    (validation.check_kpp, '65010100', 'КПП — 9 знаков'),
    (validation.check_kpp, '6501аб001', 'КПП — 9 знаков'),
    (validation.check_ogrn, '1027700132194', 'ОГРН не проходит проверку контрольной цифры'),
    (validation.check_ogrn, '0027700132195', 'ОГРН организации не может начинаться с 0'),
    (validation.check_ogrn, '304500116000157', 'ОГРН организации — 13 цифр'),
    (validation.check_okpo, '00032538', 'ОКПО не проходит проверку контрольной цифры'),
    (validation.check_okpo, '0003253', 'ОКПО — 8 цифр'),
    (validation.check_oktmo, '647010', 'ОКТМО — 8 или 11 цифр'),
    (validation.check_okved, '85,41', 'ОКВЭД — код вида деятельности'),
    (validation.check_bik, '144525225', 'БИК банка — 9 цифр, начинается с 04'),
    (validation.check_bik, '0445252', 'БИК банка — 9 цифр, начинается с 04'),
    (validation.check_phones, '45-67-89', 'Телефон «45-67-89» не распознан'),
    (validation.check_phones, '+7 (424) 245-67-89, позвонить', 'Телефон «позвонить» не распознан'),
    (validation.check_email, 'cdt@edu65', 'Адрес электронной почты — в виде name@example.ru'),
    (validation.check_url, 'javascript:alert(1)', 'Адрес сайта — ссылка вида https://'),
    (validation.check_url, 'https://cdt edu65.ru', 'Адрес сайта — ссылка вида https://'),
])
def test_wrong_codes_are_refused_with_a_sentence_naming_the_field_and_the_rule(check, text, sentence):
    _, refusal = check(text)
    assert refusal.startswith(sentence)
    assert refusal.endswith('.')


def test_bank_accounts_are_checked_against_the_bik():
    assert validation.check_account('30101810400000000225', '044525225', correspondent=True) == (
        '30101810400000000225', None)  # ПАО Сбербанк, Москва
    assert validation.check_account('40702810938000012345', '044525225') == ('40702810938000012345', None)
    assert 'не сходится с БИК' in validation.check_account('40702810938000012346', '044525225')[1]
    assert 'начинается с 301' in validation.check_account('40702810938000012345', '044525225', True)[1]
    assert 'укажите БИК' in validation.check_account('40702810938000012345', '')[1]


# --- The card as the administrator fills it ----------------------------------------------------

def full_form(region, **changes):
    """Every field of the demo ОДО's card, valid; the director and a deputy from its staff."""
    director = Employment.get(Employment.organisation == region.odo, Employment.position == 'Заместитель директора')
    deputy = Employment.get(Employment.organisation == region.odo,
                            Employment.position == 'Педагог дополнительного образования')
    form = {
        'full_name': 'Муниципальное автономное учреждение дополнительного образования Центр детского творчества',
        'short_name': 'МАУДО Центр детского творчества', 'legal_form': 'Муниципальное автономное учреждение',
        'organisation_type': 'Организация дополнительного образования',
        'founders': 'Администрация города Южно-Сахалинска', 'founded_on': '1995-09-01', 'status': 'active',
        'director': str(director.id), 'deputies': [str(deputy.id)],
        'legal_address': '693000, Сахалинская обл, г. Южно-Сахалинск, ул. Ленина, д. 1',
        'actual_address': '693000, Сахалинская обл, г. Южно-Сахалинск, ул. Ленина, д. 1',
        'buildings': '', 'phone': '8 (4242) 45-67-89', 'email': 'cdt@edu65.ru', 'website': 'cdt.edu65.ru',
        'inn': '6501001239', 'kpp': '650101001', 'ogrn': '1026500001230', 'okpo': '57972160',
        'okato': '', 'oktmo': '64701000', 'okogu': '4210007', 'okopf': '75401', 'okfs': '14', 'okved': '85.41',
        'bank_name': 'ПАО Сбербанк', 'bik': '044525225', 'settlement_account': '40702810938000012345',
        'correspondent_account': '30101810400000000225',
        'licence_number': 'Л035-01254-65/00123456', 'licence_date': '2016-03-14',
        'licence_issuer': 'Министерство образования Сахалинской области',
        'licence_url': 'https://islod.obrnadzor.gov.ru/rlic/details/123',
        'capacity': '600', 'capacity_per_shift': '300', 'shifts': '2',
        'accessibility': 'Пандус, кнопка вызова персонала', 'video_surveillance': 'yes',
        'internet': 'Ростелеком', 'internet_technology': 'fiber', 'internet_speed_contract': '100',
        'internet_speed_actual': '94', 'content_filtering': 'yes', 'computers': '24',
        'reason': 'Карточка заполнена по уставу и выписке ЕГРЮЛ',
    }
    form.update(changes)
    return form


def version_of(organisation):
    return Organisation.get_by_id(organisation.id).version


def post_card(client, region, **changes):
    form = full_form(region, **changes)
    form.setdefault('version', version_of(region.odo))
    return client.post_form('/card/', form, page='/card/')


def test_the_administrator_fills_the_card_to_100_and_every_field_goes_to_the_log(admin_client, region, frozen_clock):
    page = admin_client.get('/card/').get_data(as_text=True)
    assert 'Карточка заполнена:' in page and 'низкий' in page
    assert 'href="#field-inn"' in page and 'id="field-inn"' in page  # the missing field links to its input
    response = post_card(admin_client, region)
    assert response.status_code == 303
    odo = Organisation.get_by_id(region.odo.id)
    assert (odo.phone, odo.website, odo.inn) == ('+7 (424) 245-67-89', 'https://cdt.edu65.ru', '6501001239')
    assert odo.version == 2
    fill = card.card_fill(odo)
    assert (fill.label, fill.level, fill.level_word, fill.missing) == ('100\u00a0%', 'high', 'высокий', [])
    changes = list(OrganisationCardChange.select().where(OrganisationCardChange.organisation == odo))
    assert {c.field for c in changes} == set(fields.FIELDS) - {'buildings', 'okato', 'short_name', 'licence_scan'}
    phone = next(c for c in changes if c.field == 'phone')
    assert (phone.old_value, phone.new_value, phone.label, phone.section) == (
        '', '+7 (424) 245-67-89', 'Телефоны', 'contacts')
    assert phone.user_id == region.admin.id and phone.reason == 'Карточка заполнена по уставу и выписке ЕГРЮЛ'
    director = next(c for c in changes if c.field == 'director')
    assert director.new_value == 'Смирнова Ольга Петровна — Заместитель директора'
    page = admin_client.get('/card/').get_data(as_text=True)
    assert '100\u00a0%' in page and 'высокий' in page and 'Не заполнено' not in page


def test_an_edit_needs_a_reason_and_a_refusal_writes_nothing(admin_client, region):
    post_card(admin_client, region)
    before = OrganisationCardChange.select().count()
    response = post_card(admin_client, region, phone='+7 (424) 200-00-00', reason=' ')
    assert response.status_code == 422
    assert 'Укажите причину изменения' in response.get_data(as_text=True)
    assert Organisation.get_by_id(region.odo.id).phone == '+7 (424) 245-67-89'
    assert OrganisationCardChange.select().count() == before
    # A new short name keeps the organisation findable by it.
    assert post_card(admin_client, region, short_name='МАУДО «ЦДТ»', reason='Новый устав').status_code == 303
    assert Organisation.get_by_id(region.odo.id).name_key == name_key('МАУДО «ЦДТ»')
    post_card(admin_client, region, reason='Вернули название')


def test_a_wrong_inn_is_refused_with_a_sentence_and_nothing_else_is_saved(admin_client, region):
    response = post_card(admin_client, region, inn='6501001238')
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'ИНН не проходит проверку контрольной цифры' in page
    assert 'value="6501001238"' in page and 'value="cdt@edu65.ru"' in page  # what was typed stays
    odo = Organisation.get_by_id(region.odo.id)
    assert (odo.inn, odo.email, odo.version) == ('', '', 1)
    assert not OrganisationCardChange.select().exists()


def test_a_future_date_and_an_outside_employee_are_refused(admin_client, region):
    stranger = builders.director(region.far_odo, 'Чужой', 'Пётр', 'Иванович')
    response = post_card(admin_client, region, founded_on='2999-01-01', director=str(stranger.id),
                         shifts='7')
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'Дата создания: дата не может быть позже сегодняшней' in page
    assert 'Выберите руководителя из списка сотрудников организации.' in page
    assert 'Число смен — целое число от 1 до 3.' in page
    assert not OrganisationManager.select().where(OrganisationManager.organisation == region.odo).exists()


def test_the_phone_edited_with_a_reason_appears_in_the_log_and_the_filters_and_the_export(admin_client, region):
    post_card(admin_client, region)
    response = post_card(admin_client, region, phone='+7 (4242) 11-22-33',
                         reason='=HYPERLINK("http://evil","Сменился номер приёмной")')
    assert response.status_code == 303
    page = admin_client.get('/card/?section=contacts').get_data(as_text=True)
    assert '+7 (424) 245-67-89</span> → <span class="new">+7 (424) 211-22-33' in page
    assert 'Причина: =HYPERLINK(&#34;http://evil&#34;' in page
    assert 'ИНН</strong>' not in page.split('id="card-log-list"')[1]  # another section is filtered out
    fragment = admin_client.get('/card/?section=requisites', headers={'HX-Request': 'true',
                                                                      'HX-Request-Type': 'partial'})
    assert fragment.get_data(as_text=True).startswith('<div id="card-log-list">')
    assert 'ИНН</strong>' in fragment.get_data(as_text=True)
    nobody = admin_client.get(f'/card/?person={region.teacher.id}').get_data(as_text=True)
    assert 'Телефоны</strong>' in nobody  # not a person who changed the card: no filter at all
    export = admin_client.get('/card/log.xlsx?section=contacts')
    assert export.status_code == 200 and "filename*=UTF-8''" in export.headers['Content-Disposition']
    sheet = load_workbook(io.BytesIO(export.data)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert {row[3] for row in rows} == {'Юридический адрес', 'Фактический адрес', 'Телефоны', 'Электронная почта',
                                        'Официальный сайт'}
    newest = next(row for row in rows if row[4] == '+7 (424) 245-67-89')
    assert newest[5] == '+7 (424) 211-22-33' and newest[1] == 'Смирнова Ольга Петровна'
    formula = next(cell for cell in sheet['G'] if str(cell.value).startswith('=HYPERLINK'))
    assert formula.data_type == 's'


def test_an_outdated_card_is_told_what_changed_meanwhile_and_nothing_is_overwritten(admin_client, region, app):
    post_card(admin_client, region)
    stale_version = version_of(region.odo)
    # Someone else saves the phone while this form is open.
    other = builders.user('odo-deputy', region.odo, 'odo_admin', builders.person('Петров', 'Илья', 'Ильич', gender='M'))
    second = type(admin_client)(app.test_client())
    assert second.sign_in(other.login, organisation=region.odo).status_code == 303
    assert post_card(second, region, phone='+7 (424) 299-99-99', reason='Новый номер').status_code == 303
    # The first form, still at the old version, changes the e-mail and types its own phone.
    response = post_card(admin_client, region, email='info@cdt65.ru', phone='+7 (424) 277-77-77',
                         reason='Новая почта', version=stale_version)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'Пока карточка была открыта у вас, её сохранили снова (Петров Илья Ильич): изменены «Телефоны»' in page
    odo = Organisation.get_by_id(region.odo.id)
    assert (odo.phone, odo.email) == ('+7 (424) 299-99-99', 'cdt@edu65.ru')
    assert 'value="+7 (424) 299-99-99"' in page  # the field changed meanwhile shows what is saved now
    assert 'Вы вводили: «+7 (424) 277-77-77»' in page  # and what this person typed
    assert 'value="info@cdt65.ru"' in page  # the rest of the edit is kept in the form
    assert f'name="version" value="{odo.version}"' in page
    assert not OrganisationCardChange.select().where(OrganisationCardChange.new_value == 'info@cdt65.ru').exists()
    # A refused outdated form keeps its old version: fixing the refusal still meets the check.
    refused = post_card(admin_client, region, email='info@cdt65.ru', inn='1', version=stale_version)
    assert refused.status_code == 422
    assert f'name="version" value="{stale_version}"' in refused.get_data(as_text=True)


# --- Who reads and who edits --------------------------------------------------------------------

def test_the_teacher_reads_the_card_and_cannot_edit_it(client, region):
    assert client.sign_in('odo-teacher', organisation=region.odo).status_code == 303
    page = client.get('/card/')
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'Только просмотр' in html and 'name="reason"' not in html and 'Сохранить карточку' not in html
    response = client.post_form('/card/', full_form(region, version=1), page='/card/')
    assert response.status_code == 403
    assert Organisation.get_by_id(region.odo.id).inn == ''


def test_another_organisation_s_card_is_not_found(client, region):
    assert client.sign_in('odo-admin', organisation=region.odo).status_code == 303
    for other in (region.far_odo, region.body, region.school):
        assert client.get(f'/card/{other.id}').status_code == 404
        assert client.get(f'/card/{other.id}/log.xlsx').status_code == 404
    assert client.get('/card/2147483647').status_code == 404
    assert client.get(f'/card/{region.odo.id}').headers['Location'] == '/card/'


def test_the_management_body_reads_the_cards_it_oversees_only(client, region):
    assert client.sign_in('uo-specialist', organisation=region.body).status_code == 303
    page = client.get(f'/card/{region.odo.id}')
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'Только просмотр' in html and 'name="reason"' not in html
    assert client.get(f'/card/{region.odo.id}/log.xlsx').status_code == 200
    assert client.get(f'/card/{region.far_odo.id}').status_code == 404  # another municipality's body oversees it
    assert client.get('/card/').status_code == 404  # no right here and not its staff
    assert client.post_form('/card/', full_form(region, version=1), page='/').status_code == 403


def test_the_regional_body_reads_every_card_of_its_region(client, region):
    ministry = builders.organisation(region.region, None, None, 'regional_body', 'Министерство образования')
    builders.user('minobr', ministry, 'authority_specialist')
    assert client.sign_in('minobr', organisation=ministry).status_code == 303
    assert client.get(f'/card/{region.far_odo.id}').status_code == 200
    elsewhere = Region.create(name='Камчатский край', code='41')
    town = builders.organisation(elsewhere, None, None, 'odo', 'МБУДО ДДТ')
    assert client.get(f'/card/{town.id}').status_code == 404


# --- The region's settings and parameters --------------------------------------------------------

@pytest.fixture
def ministry_client(client, region):
    ministry = builders.organisation(region.region, None, None, 'regional_body', 'Министерство образования')
    builders.user('minobr', ministry, 'authority_specialist')
    assert client.sign_in('minobr', organisation=ministry).status_code == 303
    return client


def test_a_region_parameter_appears_on_every_card_and_counts_towards_the_percentage(ministry_client, region, app):
    before = card.card_fill(region.odo).required
    response = ministry_client.post_form('/card/settings/parameters', {
        'name': 'Число кружков технической направленности', 'kind': 'number', 'required': '1'}, page='/card/settings')
    assert response.status_code == 303
    parameter = CardParameter.get(CardParameter.region == region.region)
    assert card.card_fill(region.odo).required == before + 1
    assert ('param-%d' % parameter.id, 'Число кружков технической направленности', f'field-param-{parameter.id}') \
        in card.card_fill(region.odo).missing
    again = ministry_client.post_form('/card/settings/parameters', {
        'name': 'число  кружков технической направленности', 'kind': 'text'}, page='/card/settings')
    assert again.status_code == 422 and 'уже есть' in again.get_data(as_text=True)
    admin = type(ministry_client)(app.test_client())
    admin.sign_in('odo-admin', organisation=region.odo)
    page = admin.get('/card/').get_data(as_text=True)
    assert 'Параметры региона' in page and f'id="field-param-{parameter.id}"' in page
    refused = post_card(admin, region, **{f'param-{parameter.id}': 'много'})
    assert refused.status_code == 422 and '«Число кружков технической направленности» — число' in \
        refused.get_data(as_text=True)
    assert post_card(admin, region, **{f'param-{parameter.id}': '4'}).status_code == 303
    assert CardParameterValue.get(CardParameterValue.parameter == parameter).value == '4'
    assert card.card_fill(region.odo).tenths == 1000
    log = OrganisationCardChange.get(OrganisationCardChange.field == f'param-{parameter.id}')
    assert (log.section, log.label, log.new_value) == ('region', 'Число кружков технической направленности', '4')
    # Not required any more: it leaves the percentage; deleted: its values go, the log keeps its label.
    ministry_client.post_form(f'/card/settings/parameters/{parameter.id}', {'required': ''}, page='/card/settings')
    assert card.card_fill(region.odo).required == before
    ministry_client.post_form(f'/card/settings/parameters/{parameter.id}', {'action': 'delete'}, page='/card/settings')
    assert not CardParameterValue.select().exists() and not CardParameter.select().exists()
    assert 'Число кружков технической направленности' in admin.get('/card/').get_data(as_text=True)


def test_the_region_chooses_the_required_fields(ministry_client, region):
    response = ministry_client.post_form('/card/settings', {'required-inn': '1', 'required-phone': '1'},
                                         page='/card/settings')
    assert response.status_code == 303
    assert json.loads(Region.get_by_id(region.region.id).card_fill_fields) == ['phone', 'inn']
    Organisation.update(phone='+7 (424) 245-67-89').where(Organisation.id == region.odo.id).execute()
    fill = card.card_fill(region.odo)
    assert (fill.filled, fill.required, fill.label, fill.level_word) == (1, 2, '50\u00a0%', 'низкий')


def test_only_the_regional_body_sets_the_region_s_card(client, region):
    client.sign_in('uo-specialist', organisation=region.body)
    assert client.get('/card/settings').status_code == 404
    assert client.post_form('/card/settings/parameters', {'name': 'X', 'kind': 'text'}).status_code == 404
    assert not CardParameter.select().exists()


# --- The fill's edge cases -----------------------------------------------------------------------

def test_fill_edge_cases(region):
    Region.update(card_fill_fields='[]').where(Region.id == region.region.id).execute()
    assert card.card_fill(region.odo).label == '100\u00a0%'  # nothing required: complete
    Region.update(card_fill_fields='not json').where(Region.id == region.region.id).execute()
    assert card.card_fill(region.odo).required == len(fields.DEFAULT_REQUIRED)  # a broken setting: defaults
    assert Fill(799, 1000).label == '79,9\u00a0%' and Fill(799, 1000).level == 'low'
    assert Fill(899, 1000).level_word == 'средний' and Fill(9, 10).level_word == 'высокий'
    Region.update(card_fill_fields='["director", "deputies", "phone"]').where(Region.id == region.region.id).execute()
    Organisation.update(phone='   ').where(Organisation.id == region.odo.id).execute()
    chosen = builders.director(region.odo, 'Сидоров', 'Олег', 'Юрьевич')
    assert card.card_fill(region.odo).filled == 1  # blanks are not filled
    Employment.update(dismissed_on=TODAY).where(Employment.id == chosen.id).execute()
    fill = card.card_fill(region.odo)
    assert fill.filled == 0 and [code for code, *_ in fill.missing] == ['director', 'deputies', 'phone']


def test_the_summed_fill_counts_as_the_card_does(region):
    """filled_of (monitoring's sums in the database) and fill_of (the card's own list of what is
    missing) read the same conditions: blanks, dates, numbers, the licence link or scan, managers
    among current staff and the region's parameters, for organisations filled in different ways."""
    import random
    rng = random.Random(15)
    required = CardParameter.create(region=region.region, name='Число кружков', kind='number', required=True)
    CardParameter.create(region=region.region, name='Примечание', kind='text', required=False)
    orgs = [region.odo, region.far_odo] + [builders.organisation(region.region, region.city, region.town, 'odo',
                                                                 f'ДДТ № {n}') for n in range(12)]
    texts = ['', '   ', 'Есть', None]
    for n, org in enumerate(orgs):
        values = {code: rng.choice(texts) for code in ('phone', 'email', 'founders', 'okpo', 'licence_url')}
        values = {code: ('' if value is None else value) for code, value in values.items()}
        values.update(licence_date=rng.choice([None, TODAY]), capacity=rng.choice([None, 0, 120]),
                      licence_scan_name=rng.choice(['', 'scan.pdf']))
        Organisation.update(values).where(Organisation.id == org.id).execute()
        if n % 3 == 0:
            chosen = builders.director(org, 'Директоров', 'Олег', f'Юрьевич{n}')
            if n % 2:
                Employment.update(dismissed_on=TODAY).where(Employment.id == chosen.id).execute()
        if n % 2:
            CardParameterValue.create(organisation=org, parameter=required, value=rng.choice(['  ', '12']))
    ids = [org.id for org in orgs]
    full = card.fill_of(ids)
    summed = card.filled_of(ids)
    assert {oid: (f.filled, f.required) for oid, f in summed.items()} == \
        {oid: (f.filled, f.required) for oid, f in full.items()}
    assert len({f.filled for f in full.values()}) > 3  # the cards differ
    among = Organisation.select(Organisation.id).where(Organisation.id.in_(ids))
    assert {oid: f.filled for oid, f in card.filled_of(among=among).items()} == {oid: f.filled for oid, f in full.items()}


def test_fill_of_many_organisations_takes_a_fixed_number_of_queries(region):
    few = [region.odo.id, region.far_odo.id]
    many = [builders.organisation(region.region, region.city, region.town, 'odo', f'ДДТ № {n}').id
            for n in range(40)]
    with builders.QueryCounter() as small:
        card.fill_of(few)
    with builders.QueryCounter() as large:
        result = card.fill_of(few + many)
    assert large.count == small.count <= 5
    assert len(result) == 42 and all(isinstance(fill, Fill) for fill in result.values())


def test_hostile_text_in_every_text_field_is_escaped_on_the_card_the_log_and_the_body_s_view(
        admin_client, region, app):
    hostile = '<script>alert(1)</script>" onmouseover="x" hx-get="/x'
    texts = [code for code in fields.FIELDS if code not in fields.STAFF and code not in fields.DATES
             and code not in fields.NUMBERS and code not in fields.CHOICES and code not in validation.CODES
             and code not in ('kpp', 'settlement_account', 'correspondent_account')]
    assert {'founders', 'legal_address', 'bank_name', 'licence_issuer', 'internet'} <= set(texts)
    CardParameter.create(region=region.region, name=hostile, kind='text')
    parameter = CardParameter.get()
    response = post_card(admin_client, region, reason=hostile, **{f'param-{parameter.id}': hostile},
                         **{code: f'{code} {hostile}' for code in texts})
    assert response.status_code == 303
    body = type(admin_client)(app.test_client())
    body.sign_in('uo-specialist', organisation=region.body)
    fragment = {'HX-Request': 'true', 'HX-Request-Type': 'partial'}
    for html in (admin_client.get('/card/').get_data(as_text=True),
                 admin_client.get('/card/', headers=fragment).get_data(as_text=True),
                 body.get(f'/card/{region.odo.id}').get_data(as_text=True)):
        assert '<script>alert' not in html and '" onmouseover="x"' not in html
        assert '&lt;script&gt;alert(1)&lt;/script&gt;&#34; onmouseover=&#34;x&#34; hx-get=&#34;/x' in html


# --- The licence's scan ------------------------------------------------------------------------------

@pytest.fixture
def uploads(app, tmp_path):
    app.config['UPLOAD_FOLDER'] = str(tmp_path / 'uploads')
    return tmp_path / 'uploads' / 'licences'


def post_with_scan(client, region, data, name, **changes):
    form = full_form(region, **changes)
    form.setdefault('version', version_of(region.odo))
    form['licence_scan'] = (io.BytesIO(data), name)
    return client.post_form('/card/', form, page='/card/', content_type='multipart/form-data')


def test_a_licence_scan_fills_the_licence_field_and_is_served_with_the_card_s_rights(admin_client, region, app,
                                                                                    uploads):
    response = post_with_scan(admin_client, region, pdf(), 'лицензия.pdf', licence_url='')
    assert response.status_code == 303
    odo = Organisation.get_by_id(region.odo.id)
    assert odo.licence_scan_type == 'pdf' and (uploads / odo.licence_scan_name).exists()
    assert card.card_fill(odo).tenths == 1000  # the scan stands for the link
    log = OrganisationCardChange.get(OrganisationCardChange.field == 'licence_scan')
    assert log.new_value.startswith('PDF, ') and log.label == 'Скан лицензии'
    served = admin_client.get('/card/licence-scan')
    assert served.status_code == 200 and served.data == pdf()
    assert served.headers['Cache-Control'] == 'no-store' and served.mimetype == 'application/pdf'
    body = type(admin_client)(app.test_client())
    body.sign_in('uo-specialist', organisation=region.body)
    assert body.get(f'/card/{region.odo.id}/licence-scan').status_code == 200
    far = type(admin_client)(app.test_client())
    far.sign_in('far-admin', organisation=region.far_odo)
    assert far.get(f'/card/{region.odo.id}/licence-scan').status_code == 404
    assert far.get('/card/licence-scan').status_code == 404  # its own card has no scan
    # A new scan replaces the old file; removing it leaves no file behind.
    first = odo.licence_scan_name
    assert post_with_scan(admin_client, region, png(), 'скан.png', licence_url='',
                          reason='Переоформлена лицензия').status_code == 303
    odo = Organisation.get_by_id(region.odo.id)
    assert odo.licence_scan_type == 'png' and not (uploads / first).exists()
    form = full_form(region, licence_url='', remove_licence_scan='1', reason='Скан устарел',
                     version=version_of(region.odo))
    assert admin_client.post_form('/card/', form, page='/card/').status_code == 303
    assert Organisation.get_by_id(region.odo.id).licence_scan_name == '' and not list(uploads.iterdir())


def test_a_web_page_named_pdf_is_refused_and_a_refused_card_keeps_no_file(admin_client, region, uploads):
    response = post_with_scan(admin_client, region, b'<html><script>alert(1)</script></html>', 'лицензия.pdf')
    assert response.status_code == 422
    assert 'внутри веб-страница (HTML), а не скан документа' in response.get_data(as_text=True)
    refused = post_with_scan(admin_client, region, pdf(), 'лицензия.pdf', inn='6501001238')
    assert refused.status_code == 422 and 'выберите файл скана ещё раз' in refused.get_data(as_text=True)
    stale = post_with_scan(admin_client, region, pdf(), 'лицензия.pdf', version=0)
    assert stale.status_code == 409
    assert not uploads.exists() or not list(uploads.iterdir())
    assert Organisation.get_by_id(region.odo.id).licence_scan_name == ''
