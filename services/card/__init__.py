"""«Карточка ОО»: the organisation card, its fields, and how complete it is (which monitoring reuses)."""
from services.card.fields import DEFAULT_REQUIRED, FIELDS, SECTIONS
from services.card.fill import card_fill, fill_of
