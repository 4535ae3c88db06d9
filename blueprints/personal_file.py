"""«Личное дело»: a child's personal file — shown as much as the organisation may see, edited by
an organisation that teaches the child now, merged with a duplicate and unmerged."""
import functools

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from models import (DOCUMENT_KINDS, GENDERS, GUARDIAN_RELATIONS, WITHDRAWAL_REASONS, Consent,
                    Guardian, IdentityDocument, Person, PersonMerge)
from services import movement
from services import personal_file as files
from services.common import Refused, parse_date, parse_int
from services.personal_file import edits, merge as merging
from web import audit_event, has_right, today

bp = Blueprint('personal_file', __name__, url_prefix='/file')


def _refused(error):
    for message in error.messages:
        flash(message, 'error')


def child_file(editing=False, merging_right=False):
    """The view gets the child and the disclosure level; a child this user may not open is a
    404; changing it without the rights, a 403."""
    def decorate(view):
        @functools.wraps(view)
        def wrapper(person_id, **kwargs):
            person = Person.get_or_none(Person.id == person_id) if g.get('organisation') else None
            level = person and files.disclosure(person.id, g.organisation, current_user,
                                                has_right('movement_book', 'view'))
            if not level:
                abort(404)
            if editing and not (level == files.FULL and has_right('movement_book', 'edit')
                                and (not merging_right or has_right('merge_people'))):
                audit_event('access_denied', object_type='person', object_id=person.id, result='denied')
                abort(403)
            return view(person, level, **kwargs)
        return wrapper
    return decorate


def _back(person, anchor=''):
    return redirect(url_for('personal_file.show', person_id=person.id) + (f'#{anchor}' if anchor else ''), 303)


def _version():
    return parse_int(request.form.get('version')) or 0


def _page(person, level, status=200, **state):
    pf = edits.file_of(person)
    may_edit = level == files.FULL and has_right('movement_book', 'edit')
    guardians = list(Guardian.select().where(Guardian.child == person).order_by(Guardian.id))
    region = g.organisation.region
    context = dict(
        person=person, level=level, full=level == files.FULL, may_edit=may_edit,
        teacher=level == files.TEACHER, pf=pf, genders=GENDERS, document_kinds=DOCUMENT_KINDS,
        relations=GUARDIAN_RELATIONS, reasons=WITHDRAWAL_REASONS,
        documents=list(IdentityDocument.select().where(IdentityDocument.person == person)
                       .order_by(IdentityDocument.is_current.desc(), IdentityDocument.issued_on.desc(),
                                 IdentityDocument.id.desc())),
        guardians=guardians, siblings=edits.siblings_through(guardians, person),
        known=movement.known_to,
        categories=edits.region_categories(region), chosen=edits.categories_of(pf),
        consents=list(Consent.select().where(Consent.person == person).order_by(Consent.signed_on.desc())),
        changes=list(edits.changes_of(person)), labels=edits.FIELD_LABELS, sensitive=edits.SENSITIVE,
        memberships=[m for m in movement.current_memberships(person, region)  # a teacher: own organisation's
                     if level != files.TEACHER or m.organisation_id == g.organisation.id],
        history=list(movement.child_history(person, region)) if level != files.TEACHER else [],
        duplicates=(files.possible_duplicates(person, organisation_id=g.organisation.id)
                    if may_edit and has_right('merge_people') else []),
        merges=list(PersonMerge.select().where(PersonMerge.survivor == person).order_by(PersonMerge.at.desc())),
        may_undo=merging.may_undo, consent_scope=files.CONSENT_SCOPE, today=today(),
        values=state.pop('values', {}), errors=state.pop('errors', {}), section=state.pop('section', ''),
        warnings=state.pop('warnings', []), found=state.pop('found', []))
    context.update(state)
    return render_template('personal_file/show.html', **context), status


@bp.get('/<int:person_id>')
@child_file()
def show(person, level):
    audit_event('personal_file_viewed', object_type='person', object_id=person.id, details=f'disclosure={level}')
    return _page(person, level)


@bp.post('/<int:person_id>/identity')
@child_file(editing=True)
def identity(person, level):
    values, errors, warnings = edits.parse_identity(request.form, today())
    if errors:
        return _page(person, level, 422, section='identity', values=request.form, errors=errors)
    changes = edits.identity_changes(person, values)
    if changes and request.form.get('confirmed') != '1':
        found = files.possible_duplicates(person, changes, organisation_id=g.organisation.id)
        if found:
            return _page(person, level, 200, section='identity', values=request.form, found=found,
                         warnings=warnings)
    try:
        saved = files.save_identity(person, _version(), values, current_user.id, g.organisation.id)
    except Refused as error:
        return _page(person, level, 409, section='identity', values=request.form,
                     errors={'form': error.messages})
    audit_event('personal_file_changed', object_type='person', object_id=person.id,
                details='fields=' + ','.join(saved))
    flash('Личные данные сохранены.' if saved else 'Изменений нет.', 'ok')
    for message in warnings:
        flash(message, 'warn')
    return _back(person, 'identity')


@bp.post('/<int:person_id>/contacts')
@child_file(editing=True)
def contacts(person, level):
    values, errors = edits.parse_contacts(request.form)
    if errors:
        return _page(person, level, 422, section='contacts', values=request.form, errors=errors)
    try:
        saved = files.save_contacts(person, _version(), values, current_user.id, g.organisation.id)
    except Refused as error:
        _refused(error)
        return _back(person, 'contacts')
    audit_event('personal_file_changed', object_type='person', object_id=person.id,
                details='fields=' + ','.join(f for f, _, _ in saved))
    flash('Адреса и контакты сохранены.', 'ok')
    return _back(person, 'contacts')


@bp.post('/<int:person_id>/documents')
@child_file(editing=True)
def add_document(person, level):
    values, errors = files.parse_document(request.form, person, today())
    if errors:
        return _page(person, level, 422, section='document', values=request.form, errors=errors)
    if values['make_current'] and request.form.get('confirmed') != '1':
        found = files.possible_duplicates(person, document=(values['kind'], edits.document_key(
            values['series'], values['number'])), organisation_id=g.organisation.id)
        if found:
            return _page(person, level, 200, section='document', values=request.form, found=found)
    try:
        files.add_document(person, _version(), values, current_user.id, g.organisation.id)
    except Refused as error:
        return _page(person, level, 409, section='document', values=request.form,
                     errors={'form': error.messages})
    audit_event('personal_file_changed', object_type='person', object_id=person.id, details='document')
    flash('Документ добавлен.', 'ok')
    return _back(person, 'documents')


@bp.post('/<int:person_id>/guardians')
@child_file(editing=True)
def add_guardian(person, level):
    values, errors = files.parse_guardian(request.form, today())
    if errors:
        return _page(person, level, 422, section='guardian', values=request.form, errors=errors)
    try:
        files.add_guardian(person, _version(), values, current_user.id, g.organisation.id)
    except Refused as error:
        return _page(person, level, 409, section='guardian', values=request.form,
                     errors={'form': error.messages})
    audit_event('personal_file_changed', object_type='person', object_id=person.id, details='guardian')
    flash('Родитель (законный представитель) добавлен.', 'ok')
    return _back(person, 'guardians')


@bp.post('/<int:person_id>/guardians/<int:guardian_id>/delete')
@child_file(editing=True)
def remove_guardian(person, level, guardian_id):
    guardian = Guardian.get_or_none((Guardian.id == guardian_id) & (Guardian.child == person)) or abort(404)
    try:
        files.remove_guardian(person, _version(), guardian, current_user.id, g.organisation.id)
    except Refused as error:
        _refused(error)
        return _back(person, 'guardians')
    audit_event('personal_file_changed', object_type='person', object_id=person.id, details='guardian removed')
    flash(f'{guardian.full_name} больше не указан среди родителей ребёнка.', 'ok')
    return _back(person, 'guardians')


@bp.post('/<int:person_id>/categories')
@child_file(editing=True)
def categories(person, level):
    try:
        files.save_categories(person, _version(), request.form.getlist('category'),
                              edits.region_categories(g.organisation.region), current_user.id,
                              g.organisation.id)
    except Refused as error:
        _refused(error)
        return _back(person, 'categories')
    audit_event('personal_file_changed', object_type='person', object_id=person.id, details='categories')
    flash('Категории сохранены.', 'ok')
    return _back(person, 'categories')


@bp.post('/<int:person_id>/consents')
@child_file(editing=True)
def add_consent(person, level):
    values, errors = edits.parse_consent(request.form, person, today())
    if errors:
        return _page(person, level, 422, section='consent', values=request.form, errors=errors)
    try:
        files.add_consent(person, _version(), values, current_user.id, g.organisation.id)
    except Refused as error:
        _refused(error)
        return _back(person, 'consents')
    audit_event('personal_file_changed', object_type='person', object_id=person.id, details='consent')
    flash('Согласие на обработку персональных данных записано.', 'ok')
    return _back(person, 'consents')


@bp.post('/<int:person_id>/consents/<int:consent_id>/withdraw')
@child_file(editing=True)
def withdraw_consent(person, level, consent_id):
    consent = Consent.get_or_none((Consent.id == consent_id) & (Consent.person == person)) or abort(404)
    try:
        files.withdraw_consent(person, _version(), consent, parse_date(request.form.get('withdrawn_on')),
                               current_user.id, g.organisation.id)
    except Refused as error:
        _refused(error)
        return _back(person, 'consents')
    audit_event('personal_file_changed', object_type='person', object_id=person.id, details='consent withdrawn')
    flash('Отзыв согласия записан.', 'ok')
    return _back(person, 'consents')


# --- Duplicates ---------------------------------------------------------------------

def _offered_duplicate(person, other_id):
    """The duplicate, only if the similar-person check of this file offers it."""
    offered = {c.person_id: c for c in files.possible_duplicates(person, organisation_id=g.organisation.id)}
    if other_id not in offered:
        abort(404)
    return Person.get_by_id(other_id), offered[other_id]


@bp.get('/<int:person_id>/merge/<int:other_id>')
@child_file(editing=True, merging_right=True)
def merge_form(person, level, other_id):
    other, candidate = _offered_duplicate(person, other_id)
    return render_template('personal_file/merge.html', person=person, other=other, candidate=candidate,
                           days=files.MERGE_DAYS,
                           history=list(movement.child_history(other, g.organisation.region)))


@bp.post('/<int:person_id>/merge/<int:other_id>')
@child_file(editing=True, merging_right=True)
def merge(person, level, other_id):
    other, _ = _offered_duplicate(person, other_id)
    try:
        done = files.merge_people(person, other, current_user.id, g.organisation.id)
    except Refused as error:
        _refused(error)
        return redirect(url_for('personal_file.merge_form', person_id=person.id, other_id=other_id), 303)
    audit_event('people_merged', object_type='person', object_id=person.id, details=f'merged={other_id} merge={done.id}')
    flash(f'Запись {done.merged_name} присоединена к личному делу. Отменить объединение можно в '
          f'течение {files.MERGE_DAYS} дней — внизу страницы.', 'ok')
    return _back(person, 'merges')


@bp.post('/<int:person_id>/merges/<int:merge_id>/undo')
@child_file(editing=True, merging_right=True)
def undo_merge(person, level, merge_id):
    done = PersonMerge.get_or_none((PersonMerge.id == merge_id) & (PersonMerge.survivor == person)) or abort(404)
    try:
        files.undo_merge(done, current_user.id, g.organisation.id)
    except Refused as error:
        _refused(error)
        return _back(person, 'merges')
    audit_event('people_unmerged', object_type='person', object_id=person.id, details=f'restored={done.merged_id} merge={done.id}')
    flash(f'Объединение отменено: запись {done.merged_name} восстановлена.', 'ok')
    return _back(person, 'merges')
