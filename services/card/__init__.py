"""«Карточка ОО»: the organisation card, its fields, its edits with the change log, the region's
settings, and how complete it is (which monitoring reuses)."""
from services.card.edit import (MissingReason, Stale, changed_since, director_of, display, form_values,
                                parse_card, parse_reason, save_card, staff_of, values_of)
from services.card.fields import DEFAULT_REQUIRED, FIELDS, SECTIONS
from services.card.fill import card_fill, fill_of, filled_of
from services.card.settings import may_configure, parameters_of, required_fields
