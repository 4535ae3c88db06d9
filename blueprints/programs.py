"""Programs of the organisation and the объединения made from them."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from models import PROGRAM_FOCUSES, YEAR_STATES, Association, Program, SchoolYear
from services import programs
from services.common import Refused, parse_int
from services.movement import members_of
from web import audit_event, has_right, render, requires_right

bp = Blueprint('programs', __name__)

can_view = requires_right('movement_book', 'view')
can_edit = requires_right('movement_book', 'edit')

NEW_PROGRAM = {'focus': '', 'name': '', 'duration_years': 1, 'age_from': 7, 'age_to': 17,
               'hours_per_week': 2, 'hours_per_year': 72, 'description': ''}


def _program_or_404(program_id):
    program = Program.get_or_none((Program.id == program_id) & (Program.organisation == g.organisation))
    if program is None:
        abort(404)
    return program


def _association_or_404(association_id):
    association = Association.get_or_none((Association.id == association_id)
                                          & (Association.organisation == g.organisation)
                                          & Association.program.is_null(False))
    if association is None:
        abort(404)
    return association


# --- Programs -------------------------------------------------------------------

@bp.get('/programs/')
@can_view
def index():
    archived = request.args.get('archived') == '1'
    return render_template('programs/index.html', archived=archived,
                           programs=programs.programs_of(g.organisation, archived),
                           can_edit=has_right('movement_book', 'edit'))


@bp.get('/programs/new')
@can_edit
def new():
    return render_template('programs/program_form.html', program=None, values=NEW_PROGRAM,
                           errors={}, focuses=PROGRAM_FOCUSES)


@bp.post('/programs/new')
@can_edit
def create():
    values, errors = programs.parse_program(request.form)
    if errors:
        return render_template('programs/program_form.html', program=None, values=values,
                               errors=errors, focuses=PROGRAM_FOCUSES), 422
    program = programs.create_program(g.organisation, values)
    audit_event('program_created', object_type='program', object_id=program.id)
    flash(f'Программа «{program.name}» создана. Теперь создайте по ней объединение.', 'ok')
    return redirect(url_for('programs.program', program_id=program.id), 303)


@bp.get('/programs/<int:program_id>')
@can_view
def program(program_id):
    program = _program_or_404(program_id)
    return _program_page(program, program.__data__, {})


def _program_page(program, values, errors, status=200):
    return render_template('programs/program.html', program=program, values=values,
                           errors=errors, focuses=PROGRAM_FOCUSES,
                           associations=programs.associations_of(g.organisation, None, program),
                           can_edit=has_right('movement_book', 'edit')), status


@bp.post('/programs/<int:program_id>')
@can_edit
def update(program_id):
    program = _program_or_404(program_id)
    values, errors = programs.parse_program(request.form)
    if not errors:
        try:
            programs.update_program(program, request.form.get('version', type=int), values)
        except Refused as error:
            errors['form'] = error.messages
        else:
            audit_event('program_updated', object_type='program', object_id=program.id)
            flash('Программа сохранена.', 'ok')
            return redirect(url_for('programs.program', program_id=program.id), 303)
    return _program_page(program, values, errors, 409 if 'form' in errors else 422)


@bp.post('/programs/<int:program_id>/archive')
@can_edit
def archive(program_id):
    program = _program_or_404(program_id)
    archived = request.form.get('archived') == '1'
    try:
        programs.set_archived(program, request.form.get('version', type=int), archived)
    except Refused as error:
        for message in error.messages:
            flash(message, 'error')
    else:
        audit_event('program_archived' if archived else 'program_restored',
                    object_type='program', object_id=program.id)
        flash(f'Программа «{program.name}» ' + ('перенесена в архив.' if archived else 'снова действует.'), 'ok')
    return redirect(url_for('programs.program', program_id=program.id), 303)


# --- Объединения -------------------------------------------------------------------

def _chosen_year():
    year_id = parse_int(request.args.get('year'))
    if year_id:
        year = SchoolYear.get_or_none((SchoolYear.id == year_id) & (SchoolYear.organisation == g.organisation))
        if year is None:
            abort(404)
        return year
    return g.school_year


@bp.get('/associations/')
@can_view
def associations():
    year = _chosen_year()
    return render('programs/associations.html', 'programs/_associations.html', year=year,
                  years=programs.years_of(g.organisation), states=YEAR_STATES,
                  associations=list(programs.associations_of(g.organisation, year)),
                  can_edit=has_right('movement_book', 'edit'))


def _association_form(program, association, values, errors, status=200):
    years = [y for y in programs.years_of(g.organisation) if y.state != SchoolYear.CLOSED]
    return render_template('programs/association_form.html', program=program,
                           association=association, values=values, errors=errors, years=years,
                           teachers=programs.teachers_of(g.organisation)), status


@bp.get('/associations/new')
@can_edit
def association_new():
    program = _program_or_404(parse_int(request.args.get('program')))
    if program.archived:
        flash(f'Программа «{program.name}» в архиве: новые объединения по ней не создаются.', 'error')
        return redirect(url_for('programs.program', program_id=program.id), 303)
    values = {'name': '', 'study_year': 1, 'capacity': 15, 'teacher': None,
              'school_year': g.school_year.id if g.school_year else None}
    return _association_form(program, None, values, {})


@bp.post('/associations/new')
@can_edit
def association_create():
    program = _program_or_404(parse_int(request.form.get('program')))
    values, errors = programs.parse_association(request.form, g.organisation, program)
    if not errors:
        try:
            association = programs.create_association(g.organisation, program, values)
        except Refused as error:
            errors['form'] = error.messages
        else:
            audit_event('association_created', object_type='association', object_id=association.id)
            flash(f'Объединение «{association.name}» создано.', 'ok')
            return redirect(url_for('programs.association', association_id=association.id), 303)
    return _association_form(program, None, _form_values(values), errors, 422)


def _form_values(values):
    """Parsed values back into what the form shows (ids for the chosen rows)."""
    shown = dict(values)
    for name in ('teacher', 'school_year'):
        if name in shown:
            shown[name] = shown[name].id if shown[name] is not None else None
    return shown


@bp.get('/associations/<int:association_id>')
@can_view
def association(association_id):
    association = _association_or_404(association_id)
    return _association_page(association, association.__data__, {})


def _association_page(association, values, errors, status=200):
    return render_template('programs/association.html', association=association, values=values,
                           errors=errors, members=list(members_of(association)),
                           teachers=programs.teachers_of(g.organisation),
                           can_edit=has_right('movement_book', 'edit')), status


@bp.post('/associations/<int:association_id>')
@can_edit
def association_update(association_id):
    association = _association_or_404(association_id)
    values, errors = programs.parse_association(request.form, g.organisation, association.program,
                                                association)
    if not errors:
        try:
            programs.update_association(association, request.form.get('version', type=int), values)
        except Refused as error:
            errors['form'] = error.messages
        else:
            audit_event('association_updated', object_type='association', object_id=association.id)
            flash('Объединение сохранено.', 'ok')
            return redirect(url_for('programs.association', association_id=association.id), 303)
    return _association_page(association, _form_values(values), errors,
                             409 if 'form' in errors else 422)
