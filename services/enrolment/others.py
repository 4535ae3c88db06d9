"""«Список обучающихся в других ОО»: children now enrolled in another organisation of the
region, picked when only the organisation and the name are known."""
from models import Association, Membership, Organisation, Person
from services.enrolment.filters import narrow_by_place
from services.enrolment.search import documents_matching, prefix_range


def others_members(f, region_id, own_organisation_id, for_count=False):
    """Children now enrolled in another organisation, by ФИО; never their documents.

    The surname letter and gender are read from the membership row, so one organisation's list
    is counted from the index ``membership_open_by_organisation`` and its page is the first
    rows of that index, however many thousands of children the organisation has.
    """
    if for_count:
        members = Membership.select(Membership.surname_key)
    else:
        members = (Membership.select(Membership.id, Membership.person, Membership.organisation,
                                     Person.id, Person.surname, Person.name, Person.patronymic,
                                     Person.birth_date, Person.gender,
                                     Association.id, Association.name, Association.grade,
                                     Organisation.id, Organisation.short_name)
                   .join_from(Membership, Person)
                   .join_from(Membership, Association)
                   .join_from(Membership, Organisation))
    members = members.where(Membership.ended_on.is_null(),
                            Membership.organisation != own_organisation_id)
    if f.organisation:  # already checked to be of the region
        members = members.where(Membership.organisation == f.organisation)
    else:
        places = narrow_by_place(Organisation.select(Organisation.id)
                                  .where(Organisation.region == region_id), f)
        members = members.where(Membership.organisation.in_(places))
    if f.doc_series or f.doc_number:
        members = members.where(Membership.person.in_(documents_matching(f.doc_series,
                                                                         f.doc_number)))
    if f.grade:
        members = members.where(Membership.association.in_(
            Association.select(Association.id).where(Association.grade == f.grade)))
    if f.surname:
        members = members.where(prefix_range(Membership.surname_key, f.surname))
    if f.gender:
        members = members.where(Membership.gender == f.gender)
    if for_count:
        return members.order_by(Membership.organisation, Membership.surname_key)
    return members.order_by(Membership.surname_key, Person.name_key, Person.birth_date,
                            Person.id, Membership.id)
