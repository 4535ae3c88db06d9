"""Who may open a child's personal file, and how much of it they see.

``full``: the organisation has the child in an объединение now, or in a draft order — the file
with СНИЛС and documents, editable with the right to edit the book.  ``masked``: the
organisation taught the child or ordered them before — the file with numbers masked, read-only.
``teacher``: a teacher of the child's current объединение — the file without documents and
СНИЛС.  Anyone else (another organisation, the management body) gets nothing: a 404.
"""
from models import Association, Employment, Membership, Order, OrderLine
from services import movement

FULL, MASKED, TEACHER = 'full', 'masked', 'teacher'


def enrolled_or_drafted(person_id, organisation):
    """The child is in one of the organisation's объединения now, or in one of its draft orders."""
    enrolled = (Membership.select().where(Membership.person == person_id,
                                          Membership.organisation == organisation,
                                          Membership.ended_on.is_null()).exists())
    return enrolled or (OrderLine.select().join(Order)
                        .where(OrderLine.person == person_id, Order.organisation == organisation,
                               Order.status == Order.DRAFT).exists())


def teaches(person_id, organisation, user):
    """The user teaches an объединение of this organisation the child attends now."""
    if not user.person_id:
        return False
    return (Membership.select().join(Association).join(Employment)
            .where(Membership.person == person_id, Membership.ended_on.is_null(),
                   Association.organisation == organisation,
                   Employment.person == user.person_id, Employment.dismissed_on.is_null())
            .exists())


def disclosure(person_id, organisation, user, book_right):
    """FULL, MASKED, TEACHER or None (the file is not this user's to open)."""
    if book_right:
        if enrolled_or_drafted(person_id, organisation):
            return FULL
        if movement.known_to([person_id], organisation):
            return MASKED
    if teaches(person_id, organisation, user):
        return TEACHER
    return None
