"""Orders (приказы) and the movement book (книга движения учащихся): the area's public API.

Every change of a child's status is a line of a numbered order.  Every refusal is a sentence
naming the order or fact that blocks the action.  The database holds what it can: one open
membership per child and объединение (a partial unique index), one order number per
organisation and year, one line per child and order.
"""
from services.movement.book import (BOOK_COLUMNS, BOOK_COUNT_CAP, BOOK_PAGE_SIZE, BOOK_WIDTHS, book_lines,
                                    book_row, child_history, current_memberships, order_lines,
                                    orders_of, parse_book_filters)
from services.movement.children import children_of, known_to, members_of, parse_new_child
from services.movement.orders import (AddResult, add_children_to_draft, commit_order, create_draft,
                                      delete_movement, delete_order, deletion_problems, header_problems,
                                      parse_order_header, remove_from_draft, suggested_number,
                                      update_draft)
from services.movement.printed import document as order_document
from services.movement.period import describe_period, movement_period, set_movement_period
from services.movement.rules import (AGE_CONFIRMATION, KIND_PAST, LEAVING, age_problem,
                                     capacity_problems, check_children, child_problems,
                                     not_children, order_title, route_problem, staff_among)

__all__ = [
    'add_children_to_draft', 'AddResult', 'AGE_CONFIRMATION', 'age_problem', 'BOOK_COLUMNS',
    'BOOK_COUNT_CAP', 'book_lines', 'BOOK_PAGE_SIZE', 'book_row', 'BOOK_WIDTHS',
    'capacity_problems', 'check_children', 'child_history', 'child_problems', 'children_of',
    'commit_order', 'create_draft', 'current_memberships', 'delete_movement', 'delete_order',
    'deletion_problems', 'describe_period', 'header_problems', 'LEAVING', 'route_problem', 'KIND_PAST', 'known_to', 'members_of',
    'movement_period', 'not_children', 'order_document', 'order_lines', 'order_title', 'orders_of',
    'parse_book_filters', 'parse_new_child', 'parse_order_header', 'remove_from_draft',
    'set_movement_period', 'staff_among', 'suggested_number', 'update_draft',
]
