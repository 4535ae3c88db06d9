"""«Зачислить в объединение»: the объединения an enrolment order can lead to."""
from peewee import JOIN

from compiled import compiled
from keys import name_key
from models import Association, Program, SchoolYear
from services.common import parse_int

TARGET_CHOICES_LIMIT = 30


def enrolment_targets(organisation, typed='', chosen=None):
    """Объединения children can be enrolled in (years not closed, programs not archived) for the
    «Зачислить в объединение» list: at most ``TARGET_CHOICES_LIMIT`` of them, those whose name
    holds every typed word, with the chosen one always listed.  Returns (rows, more).

    A large ОДО has a thousand объединения or more: they are narrowed here, not sent to the
    browser.  Rows are plain (id, name, start_year) tuples.
    """
    organisation_id = getattr(organisation, 'id', organisation)
    words = name_key(typed).split()
    rows = []
    for year in _open_years(organisation_id):  # each year's list is read in its index order
        if words:  # SQLite has no Cyrillic lower(): the names are matched here
            rows += [row for row in _year_targets(year.id).namedtuples().iterator()
                     if all(word in name_key(row.name) for word in words)]
        else:
            rows += _first_year_targets(year.id)
        if len(rows) > TARGET_CHOICES_LIMIT:
            break
    more = len(rows) > TARGET_CHOICES_LIMIT
    rows = rows[:TARGET_CHOICES_LIMIT]
    wanted = parse_int(str(chosen or ''))
    if wanted and all(row.id != wanted for row in rows):
        rows[:0] = _chosen_target(organisation_id, wanted)
    return rows, more


@compiled
def _open_years(organisation_id):
    return (SchoolYear.select(SchoolYear.id)
            .where(SchoolYear.organisation == organisation_id, SchoolYear.state != SchoolYear.CLOSED)
            .order_by(SchoolYear.start_year))


def _year_targets(year_id):
    return (Association.select(Association.id, Association.name, SchoolYear.start_year)
            .join_from(Association, SchoolYear)
            .join_from(Association, Program, JOIN.LEFT_OUTER)
            .where(Association.school_year == year_id, Association.kind == 'association',
                   (Program.id.is_null()) | (Program.archived == False))  # noqa: E712
            .order_by(Association.study_year, Association.name))


@compiled
def _first_year_targets(year_id):
    return _year_targets(year_id).limit(TARGET_CHOICES_LIMIT + 1).namedtuples()


@compiled
def _chosen_target(organisation_id, association_id):
    return (Association.select(Association.id, Association.name, SchoolYear.start_year)
            .join_from(Association, SchoolYear)
            .join_from(Association, Program, JOIN.LEFT_OUTER)
            .where(Association.id == association_id, Association.organisation == organisation_id,
                   Association.kind == 'association', SchoolYear.state != SchoolYear.CLOSED,
                   (Program.id.is_null()) | (Program.archived == False))  # noqa: E712
            .namedtuples())


def chosen_target(organisation, chosen):
    """Only the chosen объединение as ``enrolment_targets`` lists it (a result swap, whose list
    of choices is not shown again): [] when none or not one of them."""
    wanted = parse_int(str(chosen or ''))
    return list(_chosen_target(getattr(organisation, 'id', organisation), wanted)) if wanted else []


def enrolment_target(targets, value):
    """The объединение chosen in «Зачислить в объединение» (whole), if it is one of ``targets``."""
    wanted = parse_int(str(value or ''))
    if wanted is None or all(a.id != wanted for a in targets):
        return None
    return _association_with_year.first(wanted)


@compiled
def _association_with_year(association_id):
    return Association.select(Association, SchoolYear).join(SchoolYear).where(
        Association.id == association_id)

