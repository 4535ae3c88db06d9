"""Every denormalised copy has one writer and matches its source (issue 12): a membership's
copy of the child's surname key and gender, and a person's ``is_staff``, after the demo load,
an order commit, a change of surname, a hiring and a dismissal."""
import datetime

from models import Employment, Membership, Person
from tests.builders import association, child, committed, program


def copies_that_differ():
    """(memberships whose copy differs from the child, people whose is_staff is wrong)."""
    memberships = (Membership.select().join(Person, on=(Membership.person == Person.id))
                   .where((Membership.surname_key != Person.surname_key)
                          | (Membership.gender != Person.gender)).count())
    working = (Employment.select(Employment.person).where(Employment.dismissed_on.is_null()))
    staff = Person.select().where(Person.is_staff != Person.id.in_(working)).count()
    return memberships, staff


def test_copies_match_their_source_after_the_demo_load(app):
    import demo
    demo.load_demo_region(children=600, organisations=12, seed=5, today=datetime.date(2026, 12, 1))
    assert Membership.select().count() > 0 and Person.select().where(Person.is_staff).count() > 0
    assert copies_that_differ() == (0, 0)


def test_copies_follow_commits_renames_hiring_and_dismissal(app, region):
    beads = association(region.odo, '1а Бисер', program(region.odo))
    pupil = child('Королёва', 'Анна')
    committed(region.odo, 'enrolment', 1, [pupil], to=beads)
    assert copies_that_differ() == (0, 0)
    pupil.surname, pupil.gender = 'Журавлёва', 'F'
    pupil.save()
    assert Membership.get(Membership.person == pupil).surname_key == 'журавлева'
    job = Employment.create(person=pupil, organisation=region.odo, position='Вожатая')
    assert Person.get_by_id(pupil.id).is_staff and copies_that_differ() == (0, 0)
    job.dismissed_on = datetime.date(2026, 12, 1)
    job.save()
    assert not Person.get_by_id(pupil.id).is_staff  # dismissed: no longer works anywhere
    assert copies_that_differ() == (0, 0)


def test_one_writer_each():
    """Only the two named functions write the copies (the migrations keep their own record)."""
    import pathlib
    import re
    root = pathlib.Path(__file__).resolve().parent.parent
    writers = []
    for path in list(root.glob('*.py')) + list((root / 'services').rglob('*.py')) + list((root / 'demo').rglob('*.py')):
        text = path.read_text(encoding='utf-8')
        for pattern in (r'is_staff\s*=\s*(True|False|fn\.)', r'Membership\.update\(surname_key'):
            writers += [(path.name, m.group(0)) for m in re.finditer(pattern, text)]
    assert writers == [('models.py', 'is_staff=fn.')], writers
