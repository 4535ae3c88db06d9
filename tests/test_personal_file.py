"""The child's personal file: who opens it and how much they see, versioned edits with their
history, documents with one current, parents shared by siblings, consents, merging duplicates
and undoing it, masking on the registry's screens, the import keeping parents and contacts."""
import datetime

import pytest

from models import (AuditEvent, Consent, Guardian, IdentityDocument, Membership, OrderLine, Person,
                    PersonChange, PersonMerge)
from services import personal_file as files
from services.registry.documents import format_snils
from services.registry.masking import mask_document, mask_snils
from tests import builders
from tests.builders import ELKINA_SNILS, valid_snils

KID_SNILS = valid_snils('156789012')


@pytest.fixture
def kid(app, region, registry):
    """A child of the administrator's ОДО with a birth certificate, also at the other ОДО."""
    with app.app_context():
        child = builders.child('Белова', 'Мария', 'Игоревна', datetime.date(2012, 4, 14), snils=KID_SNILS,
                               document=('birth_certificate_rf', 'II-ФВ', '123421'))
        builders.place(child, registry['bead'])
        builders.place(child, registry['robots'])
        return child


def page(client, person_id):
    return client.get(f'/file/{person_id}')


def version(person_id):
    return Person.get_by_id(person_id).version


def test_masking_functions():
    assert mask_snils('11223344595') == '***-***-445 95'
    assert mask_snils('112-233-445 95') == '***-***-445 95'
    assert mask_document('II-ФВ', '123421') == 'II-ФВ ****21'
    assert mask_snils('') == '' and mask_document('', '') == ''


def test_the_enrolling_organisation_sees_full_values_and_the_view_is_audited(admin_client, kid):
    response = page(admin_client, kid.id)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'Личное дело ребёнка' in text and 'Белова Мария Игоревна' in text
    assert '156-789-012' in text and 'II-ФВ № 123421' in text
    event = AuditEvent.select().where(AuditEvent.event == 'personal_file_viewed').get()
    assert event.object_id == str(kid.id) and event.details == 'disclosure=full'
    assert '156789012' not in event.details and event.organisation_id is not None


def test_an_organisation_that_taught_the_child_before_sees_masked_numbers(client, region, registry, app):
    departed = registry['departed']  # left «2б Робототехника» of the other ОДО in 2025
    client.sign_in('odo-admin', organisation=region.other_odo)
    text = page(client, departed.id).get_data(as_text=True)
    assert 'IV-АБ ****33' in text and '222333' not in text
    assert 'Изменить личные данные' not in text
    assert client.post_form(f'/file/{departed.id}/contacts', {'version': version(departed.id),
                            'phone': '1'}).status_code == 403


def test_another_organisation_and_the_management_body_get_404(client, region, kid):
    client.sign_in('far-admin')
    assert page(client, kid.id).status_code == 404
    client.post_form('/logout')
    client.sign_in('uo-specialist')
    assert page(client, kid.id).status_code == 404


def test_the_teacher_sees_own_pupils_file_without_documents(client, region, registry, kid, app):
    from models import Association, Employment
    taught_by = Employment.get(Employment.person == region.teacher.person_id)
    Association.update(teacher=taught_by).where(Association.id == registry['bead'].id).execute()
    client.sign_in('odo-teacher')
    text = page(client, kid.id).get_data(as_text=True)
    assert 'Белова Мария Игоревна' in text
    assert '123421' not in text and '****21' not in text and '445' not in text
    assert 'Документы, удостоверяющие личность' not in text and 'СНИЛС' not in text
    assert page(client, registry['petrov'].id).status_code == 404  # not in the teacher's group
    assert client.post_form(f'/file/{kid.id}/contacts', {'version': version(kid.id)}).status_code == 403


def test_a_draft_order_discloses_full_values(client, region, registry):
    petrov = registry['petrov']  # at the other ОДО and a school, not in this ОДО
    client.sign_in('odo-admin', organisation=region.odo)
    assert page(client, petrov.id).status_code == 404
    OrderLine.create(order=registry['order'], person=petrov, association_to=registry['bead'])
    assert '6408 № 654321' in page(client, petrov.id).get_data(as_text=True)


def test_an_edit_is_versioned_and_its_history_visible_to_the_second_organisation(client, region, kid):
    client.sign_in('odo-admin', organisation=region.odo)
    first = version(kid.id)
    response = client.post_form(f'/file/{kid.id}/contacts', {
        'version': first, 'address': 'г. Южно-Сахалинск, ул. Ленина, д. 1',
        'registration_address': 'г. Корсаков, ул. Мира, д. 2', 'phone': '+7 914 000-00-00', 'email': ''})
    assert response.status_code == 303
    stale = client.post_form(f'/file/{kid.id}/contacts', {'version': first, 'address': 'другой'},
                             follow_redirects=True)
    assert 'изменил другой пользователь' in stale.get_data(as_text=True)
    assert Person.get_by_id(kid.id).address == 'г. Южно-Сахалинск, ул. Ленина, д. 1'
    changes = {c.field: c for c in PersonChange.select().where(PersonChange.person == kid.id)}
    assert changes['address'].old_value == '' and changes['registration_address'].new_value.startswith('г. Корсаков')
    client.post_form('/logout')
    client.sign_in('odo-admin', organisation=region.other_odo)  # the child attends it too
    text = page(client, kid.id).get_data(as_text=True)
    assert 'г. Корсаков, ул. Мира, д. 2' in text and 'МАУДО Центр детского творчества' in text
    assert 'История изменений' in text and 'Адрес регистрации' in text


def test_a_passport_replaces_the_certificate_which_stays_former(admin_client, kid):
    response = admin_client.post_form(f'/file/{kid.id}/documents', {
        'version': version(kid.id), 'kind': 'passport_rf', 'series': '64 26', 'number': '555444',
        'issued_on': '2026-05-20', 'issued_by': 'УМВД России по Сахалинской области',
        'division_code': '650-001', 'make_current': '1'})
    assert response.status_code == 303, response.get_data(as_text=True)
    docs = {d.kind: d for d in IdentityDocument.select().where(IdentityDocument.person == kid.id)}
    assert docs['passport_rf'].is_current and not docs['birth_certificate_rf'].is_current
    assert docs['passport_rf'].series == '6426'
    text = page(admin_client, kid.id).get_data(as_text=True)
    assert 'прежний' in text and 'текущий' in text
    change = PersonChange.get(PersonChange.field == 'document')
    assert 'Свидетельство' in change.old_value and 'Паспорт' in change.new_value


@pytest.mark.parametrize('fields, message', [
    ({'kind': 'passport_rf', 'series': '64', 'number': '555444', 'issued_on': '2026-05-20', 'issued_by': 'x'},
     'Серия паспорта — 4 цифры'),
    ({'kind': 'passport_rf', 'series': '6426', 'number': '555444', 'issued_on': '2020-05-20', 'issued_by': 'x'},
     'Паспорт выдают с 14 лет'),
    ({'kind': 'birth_certificate_rf', 'series': 'ФВ-II', 'number': '555444', 'issued_on': '2012-05-01',
      'issued_by': 'ЗАГС'}, 'Серия свидетельства'),
    ({'kind': 'foreign', 'number': ''}, 'Укажите вид иностранного документа'),
])
def test_a_wrong_document_is_refused_and_nothing_written(admin_client, kid, fields, message):
    response = admin_client.post_form(f'/file/{kid.id}/documents', dict(fields, version=version(kid.id)))
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert IdentityDocument.select().where(IdentityDocument.person == kid.id).count() == 1


def test_at_most_one_current_document_is_held_by_the_database(app, kid):
    from peewee import IntegrityError
    with pytest.raises(IntegrityError):
        IdentityDocument.create(person=kid, kind='passport_rf', series='6426', number='000001', is_current=True)


def test_a_parent_of_the_registry_is_shared_by_siblings(admin_client, kid, registry):
    brother = builders.child('Белов', 'Иван', 'Игоревич', datetime.date(2015, 1, 9), gender='M')
    builders.place(brother, registry['bead'])
    mother = {'relation': 'mother', 'surname': 'Белова', 'name': 'Ольга', 'patronymic': 'Петровна',
              'phone': '+7 914 111-22-33', 'email': 'belova@example.org', 'document': 'Паспорт 6405 112233',
              'parent_snils': valid_snils('145678901'), 'parent_birth_date': '1985-02-03'}
    assert admin_client.post_form(f'/file/{kid.id}/guardians', dict(mother, version=version(kid.id))).status_code == 303
    same = dict(mother, surname='Белова', name='Ольга', parent_birth_date='')
    assert admin_client.post_form(f'/file/{brother.id}/guardians', dict(same, version=version(brother.id))).status_code == 303
    parents = {g.child_id: g.parent_id for g in Guardian.select()}
    assert parents[kid.id] == parents[brother.id] is not None
    text = page(admin_client, kid.id).get_data(as_text=True)
    assert 'также законный представитель' in text and 'Белов Иван Игоревич' in text
    again = admin_client.post_form(f'/file/{kid.id}/guardians', dict(mother, version=version(kid.id)))
    assert again.status_code == 409 and 'уже записан среди родителей' in again.get_data(as_text=True)


def test_consent_is_recorded_and_withdrawn(admin_client, kid, frozen_clock):
    frozen_clock.at(datetime.datetime(2026, 10, 5, 3))
    assert 'Согласия на обработку персональных данных (152-ФЗ) нет' in page(admin_client, kid.id).get_data(as_text=True)
    response = admin_client.post_form(f'/file/{kid.id}/consents', {
        'version': version(kid.id), 'signed_by': 'Белова Ольга Петровна', 'signed_on': '2026-09-01', 'scope': ''})
    assert response.status_code == 303
    consent = Consent.get()
    assert consent.scope == files.CONSENT_SCOPE and files.without_consent([kid.id]) == set()
    future = admin_client.post_form(f'/file/{kid.id}/consents', {
        'version': version(kid.id), 'signed_by': 'Белова', 'signed_on': '2027-01-01'})
    assert future.status_code == 422 and 'не может быть в будущем' in future.get_data(as_text=True)
    admin_client.post_form(f'/file/{kid.id}/consents/{consent.id}/withdraw',
                           {'version': version(kid.id), 'withdrawn_on': '2026-10-01'})
    assert Consent.get().withdrawn_on == datetime.date(2026, 10, 1)
    assert files.without_consent([kid.id]) == {kid.id}


def test_an_identity_change_warns_about_a_similar_child_first(admin_client, kid, registry):
    form = {'version': version(kid.id), 'surname': 'Ёлкина', 'name': 'Алёна', 'patronymic': 'Игоревна',
            'birth_date': '2014-05-03', 'gender': 'F', 'citizenship': 'Российская Федерация', 'snils': ''}
    warned = admin_client.post_form(f'/file/{kid.id}/identity', form)
    text = warned.get_data(as_text=True)
    assert warned.status_code == 200 and 'похожие дети' in text and 'Ёлкина Алёна Игоревна' in text
    assert registry['elkina'].id != kid.id and 'МАОУ СОШ № 1' in text  # where the similar child is
    assert format_snils(ELKINA_SNILS) not in text and mask_snils(ELKINA_SNILS) in text
    assert Person.get_by_id(kid.id).surname == 'Белова'
    saved = admin_client.post_form(f'/file/{kid.id}/identity', dict(form, confirmed='1'))
    assert saved.status_code == 303
    assert Person.get_by_id(kid.id).surname == 'Ёлкина'
    assert Membership.get(Membership.person == kid.id).surname_key == 'елкина'
    taken = admin_client.post_form(f'/file/{kid.id}/identity', dict(form, confirmed='1', snils=ELKINA_SNILS,
                                                                    version=version(kid.id)))
    assert taken.status_code == 409 and 'уже записан у другого человека' in taken.get_data(as_text=True)


def test_merging_a_duplicate_keeps_both_histories_and_can_be_undone(admin_client, kid, registry, region):
    twin = builders.child('Белова', 'Мария', 'Игоревна', datetime.date(2012, 4, 14),
                          document=('birth_certificate_rf', 'II-ФВ', '777001'))
    far = builders.committed(region.far_odo, 'enrolment', 7, [twin], to=builders.association(region.far_odo, 'Хор'))
    Guardian.create(child=twin, relation='father', surname='Белов', name='Игорь')
    text = page(admin_client, kid.id).get_data(as_text=True)
    assert 'Возможные дубликаты' in text and f'/file/{kid.id}/merge/{twin.id}' in text
    assert admin_client.get(f'/file/{kid.id}/merge/{registry["petrov"].id}').status_code == 404  # not offered
    assert admin_client.post_form(f'/file/{kid.id}/merge/{twin.id}').status_code == 303
    assert Person.get_or_none(Person.id == twin.id) is None
    assert Membership.select().where(Membership.person == kid.id).count() == 3
    assert OrderLine.get(OrderLine.order == far.id).person_id == kid.id
    assert IdentityDocument.select().where(IdentityDocument.person == kid.id).count() == 2
    assert IdentityDocument.select().where(IdentityDocument.person == kid.id, IdentityDocument.is_current).count() == 1
    assert Guardian.get().child_id == kid.id
    assert AuditEvent.select().where(AuditEvent.event == 'people_merged').exists()
    merge = PersonMerge.get()
    assert admin_client.post_form(f'/file/{kid.id}/merges/{merge.id}/undo',
                                  {'version': version(kid.id)}).status_code == 303
    back = Person.get_by_id(twin.id)
    assert back.full_name == 'Белова Мария Игоревна'
    assert OrderLine.get(OrderLine.order == far.id).person_id == twin.id
    assert IdentityDocument.get(IdentityDocument.number == '777001').person_id == twin.id
    assert IdentityDocument.get(IdentityDocument.number == '777001').is_current
    assert Guardian.get().child_id == twin.id
    assert Membership.select().where(Membership.person == kid.id).count() == 2


def test_a_merge_cannot_be_undone_after_thirty_days(admin_client, kid):
    twin = builders.child('Белова', 'Мария', 'Игоревна', datetime.date(2012, 4, 14))
    admin_client.post_form(f'/file/{kid.id}/merge/{twin.id}')
    merge = PersonMerge.get()
    PersonMerge.update(at=merge.at - datetime.timedelta(days=31)).execute()
    response = admin_client.post_form(f'/file/{kid.id}/merges/{PersonMerge.get().id}/undo',
                                      {'version': version(kid.id)}, follow_redirects=True)
    assert 'в течение 30 дней' in response.get_data(as_text=True)
    assert Person.get_or_none(Person.id == twin.id) is None


def test_merging_needs_the_right(client, region, kid):
    from models import Role
    twin = builders.child('Белова', 'Мария', 'Игоревна', datetime.date(2012, 4, 14))
    Role.update(merge_people=False).where(Role.code == 'odo_admin').execute()
    try:
        client.sign_in('odo-admin', organisation=region.odo)
        assert 'Возможные дубликаты' not in page(client, kid.id).get_data(as_text=True)
        assert client.post_form(f'/file/{kid.id}/merge/{twin.id}').status_code == 403
    finally:
        Role.update(merge_people=True).where(Role.code == 'odo_admin').execute()


# --- The import keeps what it reads -----------------------------------------------------

def test_the_import_keeps_parents_contacts_and_documents_on_commit(app, region):
    import json
    from models import ImportJob, ImportRow
    from services import imports
    from tests.test_import_commit import values as row_values
    setup = builders.import_setup(region.odo)
    association = setup.associations[0]
    known = builders.child('Зорина', 'Дарья', 'Олеговна', datetime.date(2015, 6, 1))
    extended = dict(row_values(1, association), address='г. Южно-Сахалинск, ул. Мира, д. 5',
                    phone='+7 914 555-00-11', email='mama@example.org',
                    parent_name='Зорина  Ирина Павловна', parent_kind='мать', parent_phone='+7 914 555-00-12',
                    passport={'series': '6415', 'number': '100200', 'issued_on': '2029-01-01',
                              'issued_by': 'УМВД', 'division_code': '650-001'})
    foreign = dict(row_values(2, association), certificate=None,
                   citizenship='Республика Казахстан',
                   foreign={'kind': 'Паспорт гражданина Республики Казахстан', 'series': 'N',
                            'number': '12345678', 'issued_on': '2024-01-10', 'issued_by': 'МВД РК'})
    used = dict(row_values(3, association), parent_name='Зорин Олег Иванович', parent_kind='отец',
                parent_phone='+7 914 555-00-13', phone='+7 914 555-00-14')
    job = ImportJob.create(organisation=region.odo, active_organisation=region.odo, order=setup.order,
                           file_name='дети.xlsx', status='commit_queued', row_count=3, progress_total=3)
    for n, (values, decision, chosen) in enumerate(((extended, 'new', None), (foreign, 'new', None),
                                                    (used, 'use', known))):
        ImportRow.create(job=job, row_number=4 + n, decision=decision, chosen_person=chosen,
                         values=json.dumps(values, ensure_ascii=False))
    imports.run_job(job.id, 'test')
    assert ImportJob.get_by_id(job.id).status == 'committed', ImportJob.get_by_id(job.id).error
    created = {r.row_number: r.result_person for r in ImportRow.select()}
    child = created[4]
    assert (child.address, child.phone, child.email) == ('г. Южно-Сахалинск, ул. Мира, д. 5',
                                                        '+7 914 555-00-11', 'mama@example.org')
    mother = Guardian.get(Guardian.child == child)
    assert (mother.relation, mother.full_name, mother.phone) == ('mother', 'Зорина Ирина Павловна', '+7 914 555-00-12')
    docs = {d.kind: d.is_current for d in IdentityDocument.select().where(IdentityDocument.person == child)}
    assert docs == {'passport_rf': True, 'birth_certificate_rf': False}
    stranger = created[5]
    assert stranger.citizenship == 'Республика Казахстан'
    doc = IdentityDocument.get(IdentityDocument.person == stranger)
    assert (doc.kind, doc.foreign_kind, doc.series, doc.number, doc.issued_by, doc.is_current) == (
        'foreign', 'Паспорт гражданина Республики Казахстан', 'N', '12345678', 'МВД РК', True)
    father = Guardian.get(Guardian.child == known)
    assert (father.relation, father.full_name) == ('father', 'Зорин Олег Иванович')
    assert Person.get_by_id(known.id).phone == '+7 914 555-00-14'
    assert {c.field for c in PersonChange.select().where(PersonChange.person == known.id)} == {'phone', 'guardian'}


# --- Masking on the registry's screens ----------------------------------------------------

def test_the_import_resolution_masks_a_candidates_differing_snils(admin_client, region):
    from models import ImportJob
    from tests.test_import_flow import filled_template, row, upload
    setup = builders.import_setup(region.odo)
    registered = builders.child('Ёлкина', 'Мария', 'Петровна', datetime.date(2016, 5, 4), snils=KID_SNILS,
                                document=('birth_certificate_rf', 'II-ФВ', '111111'))
    typed = valid_snils('198765432')
    upload(admin_client, filled_template([row(surname='Елкина', name='Мария', patronymic='Петровна',
                                              birth='04.05.2016', c_number='111111', snils=typed)]),
           order=setup.order)
    job = ImportJob.select().order_by(ImportJob.id.desc()).first()
    admin_client.post_form(f'/imports/{job.id}/skip', {'mode': 'rows'}, page=f'/imports/{job.id}')
    text = admin_client.get(f'/imports/{job.id}').get_data(as_text=True)
    assert 'Ёлкина' in text and registered.id
    assert format_snils(KID_SNILS) not in text and mask_snils(KID_SNILS) in text
    assert format_snils(typed) in text  # what the file itself says
    assert 'II-ФВ 111111' in text  # the same document as the file's: the user gave it


def test_the_staff_import_resolution_masks_a_candidates_differing_snils(admin_client, region):
    from tests.test_staff_import import srow, through_report
    other = valid_snils('187654321')
    builders.person('Кузнецова', 'Мария', 'Ивановна', datetime.date(1980, 3, 3), snils=other)
    current = through_report(admin_client, [srow('Кузнецова', 'Мария', 'Ивановна', '03.03.1980', 'Ж', '')])
    text = admin_client.get(f'/staff/import/{current.id}').get_data(as_text=True)
    assert 'Кузнецова' in text
    assert format_snils(other) not in text and mask_snils(other) in text


def test_the_management_body_never_sees_numbers_on_the_file_or_elsewhere(client, region, kid):
    client.sign_in('uo-specialist')
    for url in ('/', f'/file/{kid.id}'):
        text = client.get(url).get_data(as_text=True)
        assert format_snils(KID_SNILS) not in text and '123421' not in text and 'Белова' not in text


# --- The new-child form searches the registry first --------------------------------------------

def new_child_form(registry, **fields):
    form = {'surname': 'Ёлкина', 'name': 'Алёна', 'patronymic': 'Игоревна', 'birth_date': '2014-05-03',
            'gender': 'F', 'association_to': registry['bead'].id, 'snils': '', 'doc_kind': 'birth_certificate_rf',
            'doc_series': '', 'doc_number': ''}
    form.update(fields)
    return form


def test_the_new_child_form_offers_the_people_found_before_creating_anyone(admin_client, registry):
    order, elkina = registry['order'], registry['elkina']
    url = f'/movement/orders/{order.id}/children'
    before = Person.select().count()
    offered = admin_client.post_form(url, new_child_form(registry, surname='Елкина', doc_series='ii фв',
                                                         doc_number='123456'))
    text = offered.get_data(as_text=True)
    assert offered.status_code == 200 and 'В регистре есть похожие дети' in text
    assert f'name="choice" value="{elkina.id}"' in text and 'II-ФВ 123456' in text  # the typed document
    assert format_snils(ELKINA_SNILS) not in text and mask_snils(ELKINA_SNILS) in text
    assert Person.select().count() == before
    assert admin_client.post_form(url, new_child_form(registry, choice=str(registry['petrov'].id))).status_code == 404
    taken = admin_client.post_form(url, new_child_form(registry, choice='create', snils=ELKINA_SNILS))
    assert taken.status_code == 409 and 'уже записан у другого человека' in taken.get_data(as_text=True)
    chosen = admin_client.post_form(url, new_child_form(registry, choice=str(elkina.id)))
    assert chosen.status_code == 303 and Person.select().count() == before
    assert OrderLine.get(OrderLine.order == order).person_id == elkina.id
    other = admin_client.post_form(url, new_child_form(registry, surname='Елкина', choice='create'))
    assert other.status_code == 303 and Person.select().count() == before + 1  # «это другой ребёнок»


def test_the_new_child_form_creates_a_child_with_snils_and_document(admin_client, registry):
    order = registry['order']
    url = f'/movement/orders/{order.id}/children'
    form = new_child_form(registry, surname='Новикова', name='Вера', patronymic='Павловна',
                          birth_date='2016-02-02', snils=KID_SNILS, doc_series='III-АИ', doc_number='765432',
                          doc_issued_on='2016-02-20', doc_issued_by='Отдел ЗАГС г. Южно-Сахалинска')
    assert admin_client.post_form(url, form).status_code == 303
    vera = Person.get(Person.surname == 'Новикова')
    assert vera.snils == KID_SNILS
    doc = IdentityDocument.get(IdentityDocument.person == vera)
    assert (doc.kind, doc.series, doc.number, doc.is_current) == ('birth_certificate_rf', 'III-АИ', '765432', True)
    wrong = admin_client.post_form(url, dict(form, surname='Орлова', snils='112-233-445 96', doc_number='12'))
    assert wrong.status_code == 422 and 'СНИЛС неверен' in wrong.get_data(as_text=True)
    assert 'Номер свидетельства — 6 цифр' in wrong.get_data(as_text=True)
    assert Person.select().where(Person.surname == 'Орлова').count() == 0


def test_an_enrolment_draft_warns_about_a_child_without_consent(admin_client, registry):
    order, elkina = registry['order'], registry['elkina']
    OrderLine.create(order=order, person=elkina, association_to=registry['bead'])
    text = admin_client.get(f'/movement/orders/{order.id}').get_data(as_text=True)
    assert 'Нет согласия на обработку персональных данных в личном деле: Ёлкина Алёна Игоревна' in text
    Consent.create(person=elkina, signed_by='Ёлкина Ирина Павловна', signed_on=datetime.date(2026, 9, 1))
    assert 'Нет согласия' not in admin_client.get(f'/movement/orders/{order.id}').get_data(as_text=True)


def test_two_records_in_one_объединение_are_not_merged(admin_client, kid, registry):
    twin = builders.child('Белова', 'Мария', 'Игоревна', datetime.date(2012, 4, 14))
    builders.place(twin, registry['bead'])
    response = admin_client.post_form(f'/file/{kid.id}/merge/{twin.id}', follow_redirects=True)
    assert 'Обе записи сейчас в одном объединении' in response.get_data(as_text=True)
    assert Person.get_or_none(Person.id == twin.id) is not None and PersonMerge.select().count() == 0
