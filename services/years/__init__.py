"""«Переход на новый учебный год»: the steps of moving an organisation from its current school
year to the next (forming the future year, bulk orders, checks, opening and closing), and the
management body's view of how far its organisations are.  No Flask here."""
from services.years.calendar import Calendar, season_year, too_early
from services.years.progress import STEP_TITLES, Progress, overseen_by, progress_of
from services.years.bulk import BulkResult, PreviewChild, PreviewGroup, create_bulk_order, preview
from services.years.opening import (Step, Uncovered, future_checks, open_year, opening_problems,
                                    steps_of, uncovered)
from services.years.transition import (BULK, BULK_KINDS, DONE, LATE, NOT_STARTED, RULES, RUNNING,
                                       STATES, TARGETED, Formed, StaffRow, Years, form_next_year,
                                       forming_problem, mark_staff_checked, next_name,
                                       staff_next_year)

__all__ = [
    'BULK', 'BULK_KINDS', 'BulkResult', 'Calendar', 'create_bulk_order', 'DONE', 'form_next_year',
    'Formed', 'forming_problem', 'future_checks', 'LATE', 'mark_staff_checked', 'next_name',
    'NOT_STARTED', 'open_year', 'opening_problems', 'overseen_by', 'preview', 'PreviewChild',
    'PreviewGroup', 'Progress', 'progress_of', 'RULES', 'RUNNING', 'season_year', 'staff_next_year',
    'StaffRow', 'STATES', 'Step', 'TARGETED', 'STEP_TITLES', 'steps_of', 'too_early', 'uncovered', 'Uncovered',
    'Years',
]
