"""Whose card a viewer may open: their own organisation's, and for a management body those it
oversees (the regional body: all of its region; a municipal body: those naming it as authority)."""
from models import Employment, Organisation, Region
from services import oversight


def overseen(viewer, organisation_id):
    """The organisation ``organisation_id`` if ``viewer`` (a management body) oversees it, else None."""
    if organisation_id is None:
        return None
    return (Organisation.select(Organisation, Region).join(Region)
            .where(Organisation.id == organisation_id, oversight.condition(viewer)).first())


def works_here(organisation, person_id):
    """True when the person is a current employee of the organisation (reads its card)."""
    return person_id is not None and (Employment.select()
                                      .where(Employment.organisation == organisation,
                                             Employment.person == person_id,
                                             Employment.dismissed_on.is_null()).exists())
