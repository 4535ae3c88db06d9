"""The start page of the current organisation."""
from flask import Blueprint, g, redirect, render_template, url_for
from flask_login import current_user

from models import Association, Membership, UserRole

bp = Blueprint('home', __name__)


@bp.get('/')
def index():
    if g.organisation is None:
        return redirect(url_for('auth.switch_organisation'))
    year = g.school_year
    stats = None
    if not g.organisation.is_management_body:
        stats = {
            'associations': Association.select().where(
                Association.organisation == g.organisation, Association.school_year == year).count(),
            'children': Membership.select().where(
                Membership.organisation == g.organisation, Membership.ended_on.is_null()).count(),
        }
    several = UserRole.select(UserRole.organisation).where(
        UserRole.user == current_user.id).distinct().count() > 1
    return render_template('home/index.html', year=year, stats=stats, several_organisations=several)
