"""The start page of the current organisation: each role gets its own things."""

from flask import Blueprint, abort, g, redirect, render_template, url_for
from flask_login import current_user

from models import UserRole
from blueprints import monitoring
from services import home, inbox
from web import audit_event, has_right, today as region_today

bp = Blueprint('home', __name__)


def home_kind():
    """Whose home the signed-in user has here (services.home.kind_of); None outside an organisation."""
    if g.get('organisation') is None:
        return None
    person = current_user.person if current_user.person_id else None
    return home.kind_of(g.organisation, has_right('movement_book', 'edit'), person)


@bp.get('/')
def index():
    if g.organisation is None:
        return redirect(url_for('auth.switch_organisation'))
    kind, year, today = home_kind(), g.current_year, region_today()  # the day's work: not the switch's year
    context = {'kind': kind, 'title': home.TITLES[kind], 'year': year, 'home': home}
    if kind == home.ADMINISTRATOR:
        steps = home.year_steps(g.organisation.region, year) if year else []
        context.update(drafts=list(home.drafts_of(g.organisation)),
                       imports=home.imports_in_progress(g.organisation),
                       unread=list(inbox.unread_of(g.organisation)),
                       unread_count=inbox.unread_count(g.organisation),
                       steps=steps, next_step=home.next_step(steps, today),
                       counts=home.counts(g.organisation, year), today=today,
                       taught=home.taught_by(g.organisation, year, current_user.person_id, today))
    elif kind == home.TEACHER:
        context['taught'] = home.taught_by(g.organisation, year, current_user.person_id, today)
    elif kind == home.CHILD:
        context['classes'] = home.classes_of(g.organisation, current_user.person_id)
    elif has_right('monitoring'):
        return monitoring.overview()
    else:
        context['subordinates'] = home.subordinates_of(g.organisation)
        context['may_read_cards'] = has_right('monitoring') or has_right('organisation_card')  # «Карточка ОО»
    several = UserRole.select(UserRole.organisation).where(
        UserRole.user == current_user.id).distinct().count() > 1
    return render_template('home/index.html', several_organisations=several, **context)


@bp.get('/my/children/<int:person_id>')
def pupil(person_id):
    """A child of the teacher's own объединения, with only what a teacher needs: no documents,
    no СНИЛС, nothing of other organisations; not found for any other child."""
    if g.organisation is None:
        abort(404)
    found = home.pupil_of(g.organisation, current_user.person_id, person_id, region_today())
    if found is None:
        abort(404)
    child, places = found
    audit_event('child_card_viewed', object_type='person', object_id=child.person.id,
                details='teacher')
    return render_template('home/pupil.html', child=child, places=places)
