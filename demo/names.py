"""People's names and the noise typed into them: weighted first names, surnames and
patronymics over Faker's ru_RU lists, Latin look-alike letters, typos, transliteration."""
import bisect
from itertools import accumulate

# Relative weights over Faker's ru_RU lists: modern children's names, parents'
# generation (fathers → patronymics), staff.  Names not listed keep a small weight.
BOYS = {'Александр': 60, 'Максим': 50, 'Артём': 55, 'Михаил': 50, 'Иван': 45, 'Дмитрий': 45,
        'Даниил': 40, 'Кирилл': 35, 'Матвей': 40, 'Егор': 35, 'Никита': 30, 'Андрей': 25, 'Илья': 30,
        'Алексей': 20, 'Тимофей': 25, 'Роман': 20, 'Сергей': 15, 'Владислав': 12, 'Ярослав': 18,
        'Марк': 20, 'Лев': 20, 'Тимур': 12, 'Арсений': 20, 'Глеб': 15, 'Денис': 8, 'Степан': 15,
        'Фёдор': 12, 'Богдан': 12, 'Константин': 8, 'Владимир': 10, 'Евгений': 6, 'Павел': 8,
        'Захар': 10, 'Семён': 10, 'Святослав': 6, 'Макар': 10, 'Мирон': 10, 'Савелий': 8,
        'Платон': 8, 'Георгий': 8, 'Вадим': 3, 'Артур': 5, 'Артем': 6, 'Семен': 2, 'Федор': 2,
        'Данила': 6, 'Всеволод': 4, 'Давид': 6, 'Елисей': 6, 'Николай': 6, 'Антон': 6}
GIRLS = {'Анастасия': 50, 'Мария': 55, 'Дарья': 45, 'Анна': 50, 'Полина': 45, 'Виктория': 40,
         'Елизавета': 40, 'Екатерина': 35, 'София': 45, 'Софья': 25, 'Ксения': 30, 'Алиса': 35,
         'Варвара': 30, 'Александра': 30, 'Вероника': 25, 'Арина': 25, 'Валерия': 20, 'Алина': 15,
         'Ульяна': 20, 'Ева': 25, 'Милана': 20, 'Кира': 15, 'Таисия': 12, 'Василиса': 20,
         'Ангелина': 12, 'Юлия': 10, 'Диана': 12, 'Маргарита': 15, 'Елена': 6, 'Ольга': 4,
         'Злата': 12, 'Алёна': 12, 'Алена': 3, 'Есения': 8, 'Кристина': 8, 'Татьяна': 4,
         'Евгения': 6, 'Яна': 8, 'Мирослава': 10, 'Майя': 8, 'Вера': 8, 'Амелия': 5, 'Эмилия': 8}
FATHERS = {'Александр': 100, 'Сергей': 100, 'Андрей': 80, 'Алексей': 80, 'Дмитрий': 80,
           'Евгений': 60, 'Владимир': 60, 'Иван': 40, 'Николай': 40, 'Михаил': 50, 'Игорь': 40,
           'Олег': 40, 'Юрий': 30, 'Максим': 40, 'Денис': 40, 'Виктор': 30, 'Роман': 40, 'Павел': 40,
           'Артём': 30, 'Анатолий': 20, 'Вячеслав': 30, 'Константин': 30, 'Виталий': 30,
           'Валерий': 20, 'Геннадий': 15, 'Антон': 30, 'Илья': 20, 'Владислав': 20, 'Вадим': 20,
           'Руслан': 20, 'Станислав': 20, 'Кирилл': 20, 'Григорий': 10, 'Пётр': 10, 'Василий': 15,
           'Борис': 10, 'Леонид': 10, 'Эдуард': 10, 'Тимур': 10, 'Артур': 10, 'Степан': 8,
           'Фёдор': 5, 'Семён': 5, 'Ярослав': 5, 'Аркадий': 5, 'Георгий': 8, 'Никита': 8}
STAFF_WOMEN = {'Елена': 60, 'Ольга': 55, 'Наталья': 55, 'Татьяна': 50, 'Ирина': 50, 'Светлана': 45,
               'Анна': 35, 'Юлия': 35, 'Марина': 30, 'Екатерина': 35, 'Галина': 15, 'Людмила': 20,
               'Надежда': 20, 'Оксана': 25, 'Лариса': 15, 'Валентина': 10, 'Анастасия': 20,
               'Мария': 15, 'Евгения': 15, 'Алла': 8, 'Вера': 8, 'Любовь': 10, 'Нина': 6,
               'Виктория': 15, 'Ксения': 10, 'Дарья': 10, 'Алёна': 8}
STAFF_MEN = {'Александр': 50, 'Сергей': 50, 'Андрей': 40, 'Алексей': 40, 'Дмитрий': 40,
             'Владимир': 30, 'Евгений': 30, 'Игорь': 25, 'Николай': 20, 'Михаил': 25, 'Олег': 20,
             'Юрий': 15, 'Виктор': 15, 'Павел': 20, 'Максим': 15, 'Денис': 15, 'Роман': 15}
KOREAN_SURNAMES = ['Ким', 'Пак', 'Ли', 'Цой', 'Хан', 'Тен', 'Шин', 'Югай', 'Кан', 'Пен']
YO_SURNAMES = [('Королёв', 'Королёва'), ('Ковалёв', 'Ковалёва'), ('Журавлёв', 'Журавлёва'),
               ('Воробьёв', 'Воробьёва'), ('Соловьёв', 'Соловьёва'), ('Пискарёв', 'Пискарёва')]
PATRONYMIC_EXCEPTIONS = {
    'Илья': ('Ильич', 'Ильинична'), 'Кузьма': ('Кузьмич', 'Кузьминична'),
    'Лука': ('Лукич', 'Лукинична'), 'Фома': ('Фомич', 'Фоминична'),
    'Никита': ('Никитич', 'Никитична'), 'Савва': ('Саввич', 'Саввична'),
    'Лев': ('Львович', 'Львовна'), 'Павел': ('Павлович', 'Павловна'),
    'Пётр': ('Петрович', 'Петровна'), 'Петр': ('Петрович', 'Петровна'),
    'Дмитрий': ('Дмитриевич', 'Дмитриевна'), 'Георгий': ('Георгиевич', 'Георгиевна'),
    'Арсений': ('Арсеньевич', 'Арсеньевна'), 'Данила': ('Данилович', 'Даниловна'),
    'Гаврила': ('Гаврилович', 'Гавриловна'), 'Мина': ('Минич', 'Минична'),
    'Сила': ('Силич', 'Силична'), 'Фока': ('Фокич', 'Фокична'),
    'Михаил': ('Михайлович', 'Михайловна'), 'Гавриил': ('Гаврилович', 'Гавриловна'),
}
LATIN_LOOKALIKE = {'а': 'a', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'х': 'x', 'у': 'y',
                   'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O',
                   'Р': 'P', 'С': 'C', 'Т': 'T', 'Х': 'X'}
DUPLICATE_VARIANTS = ('yo', 'typo', 'swap_day_month', 'no_patronymic', 'latin')


def patronymics(father):
    """A father's first name → (son's, daughter's) patronymic."""
    if father in PATRONYMIC_EXCEPTIONS:
        return PATRONYMIC_EXCEPTIONS[father]
    if father.endswith(('ей', 'ай')):
        stem = father[:-1] + 'е'
    elif father.endswith('ий'):
        stem = father[:-2] + 'ье'
    elif father.endswith('ь'):
        stem = father[:-1] + 'е'
    elif father.endswith(('а', 'я')):
        return father[:-1] + 'ич', father[:-1] + 'ична'
    elif father[-1] in 'жшчщц':
        stem = father + 'е'
    else:
        stem = father + 'о'
    return stem + 'вич', stem + 'вна'


class Pick:
    """Weighted choice by bisection over cumulative weights (fast for hot loops)."""
    __slots__ = ('items', 'cum', 'total')

    def __init__(self, weighted):
        weighted = [(item, w) for item, w in weighted if w > 0]
        self.items = [item for item, _ in weighted]
        self.cum = list(accumulate(w for _, w in weighted))
        self.total = self.cum[-1]

    def __call__(self, rng):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


def _overlay(base, weights, default):
    """Faker's list with our weights; names we weight but Faker lacks are added."""
    out = {name: default for name in base}
    out.update(weights)
    return list(out.items())


def surname_pairs():
    """Faker's ru_RU surnames as (male, female) pairs, the most common first."""
    from faker.providers.person.ru_RU import Provider
    return list(zip(Provider.last_names_male, Provider.last_names_female))


class Names:
    """Name pools taken once from Faker's ru_RU provider lists, with weights."""

    def __init__(self):
        from faker.providers.person.ru_RU import Provider
        self.boys = Pick(_overlay(Provider.first_names_male, BOYS, 0.05))
        self.girls = Pick(_overlay(Provider.first_names_female, GIRLS, 0.1))
        self.men = Pick(_overlay(Provider.first_names_male, STAFF_MEN, 0.05))
        self.women = Pick(_overlay(Provider.first_names_female, STAFF_WOMEN, 0.1))
        fathers = _overlay(Provider.first_names_male, FATHERS, 0.03)
        # Faker's ranked surname pairs (Смирнов/Смирнова …) with a Zipf-like weight,
        # plus ё-surnames and the Korean surnames common on Sakhalin (no gender forms).
        pairs = [((m, f), 1.0 / (rank + 8)) for rank, (m, f) in enumerate(surname_pairs())]
        pairs += [(pair, 0.02) for pair in YO_SURNAMES]
        pairs += [((k, k), 0.015) for k in KOREAN_SURNAMES]
        self.surnames = Pick(pairs)
        self.patronymics = Pick([(patronymics(name), w) for name, w in fathers])


def translit(text):
    """'Ковалёва' → 'kovaleva' (Faker's table: ё as e, х as kh)."""
    from faker.providers.person.ru_RU import translit as faker_translit
    return faker_translit(text.lower())


def typo(rng, word):
    """Two neighbouring letters swapped (or, for a double letter, one letter changed)."""
    if len(word) < 3:
        return word + word[-1]
    p = rng.randint(1, len(word) - 2)
    swapped = word[:p] + word[p + 1] + word[p] + word[p + 2:]
    if swapped == word:
        swapped = word[:p] + ('а' if word[p] != 'а' else 'о') + word[p + 1:]
    return swapped
