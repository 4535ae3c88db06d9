"""«Сведения о сотрудниках»: the register of an organisation's employees, the employee card, the
dismissal, and how complete cards and portfolios are (which monitoring reuses)."""
from services.staff.cards import (ASSIGNED, EMAIL, MAX_EXPERIENCE, PHONE, add_employee,
                                  dismissed_refusal, educations_of, employment_of, esia_linked, parse_card,
                                  parse_person, parse_position, parse_started_on, positions_of,
                                  registry_matches, save_card)
from services.staff.dismissal import Dismissal, dismiss, parse_dismissal_date
from services.staff.fill import (COURSE_KINDS, Fill, OrganisationStaff, StaffFill, fill_of, fill_percentage, item_gaps,
                                 organisation_figures, organisation_fill, today)
from services.staff.register import (ESIA_FILTERS, PAGE_SIZE, STATUSES, count_active, employees,
                                     parse_filters, positions_in, row_details)
from services.staff.settings import (CARD_FIELDS, DEFAULT_CARD_FIELDS, DEFAULT_POSITIONS,
                                     PORTFOLIO_FIELDS, positions_of as offered_positions,
                                     required_fields)
