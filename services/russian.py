"""Russian as a person writes it: a noun that agrees with its numeral («1 строка», «3 ребёнка»,
«5 детей», «по 5 строкам») and a person's name declined for the sentence it stands in
(«зачисляет ребёнка Смирнова Никиту Андреевича»).  No Flask here."""
import functools

CASES = {  # the case names of both libraries, by the question the case answers
    'nomn': 'NOMINATIVE', 'gent': 'GENITIVE', 'datv': 'DATIVE', 'accs': 'ACCUSATIVE',
    'ablt': 'INSTRUMENTAL', 'loct': 'PREPOSITIONAL',
}


COUNTED = {'годов': 'лет'}  # after a numeral: «5 лет», not the dictionary's «5 годов»


@functools.cache
def _morph():
    import pymorphy3  # loads its dictionary (~10 MB) once per process, on first use
    return pymorphy3.MorphAnalyzer()


@functools.cache
def _noun_form(noun, case, number):
    parses = [p for p in _morph().parse(noun) if 'nomn' in p.tag]
    parsed = next((p for p in parses if 'NOUN' in p.tag or 'Subx' in p.tag), None)  # «учащийся»
    if parsed is None:
        return noun
    if case in ('nomn', 'accs'):  # «2 строки», «5 строк»: the numeral governs the noun
        parsed = (parsed.inflect({case}) or parsed).make_agree_with_number(number)
    else:  # «по 2 строкам», «из 5 детей»: the noun keeps the case, singular only after «1»
        one = number % 10 == 1 and number != 11
        parsed = parsed.inflect({case, 'sing' if one else 'plur'})
    word = parsed.word if parsed else noun
    word = COUNTED.get(word, word)
    return word[:1].upper() + word[1:] if noun[:1].isupper() else word


def plural(number, noun, case='nomn'):
    """The noun (given in the nominative singular) in the form that agrees with ``number`` in
    ``case``: plural(5, 'строка') → 'строк', plural(1, 'строка', 'datv') → 'строке',
    plural(5, 'строка', 'datv') → 'строкам', plural(3, 'ребёнок') → 'ребёнка'."""
    return _noun_form(noun, case, abs(int(number)) % 100)  # the last two digits decide


def count(number, noun, case='nomn'):
    """«21 строка», «5 детей»: the number and its noun."""
    return f'{number} {plural(number, noun, case)}'


@functools.cache
def _petrovich():
    from pytrovich.maker import PetrovichDeclinationMaker
    return PetrovichDeclinationMaker()


def decline(person, case):
    """The person's full name (surname, name, patronymic) in ``case`` ('gent', 'datv', 'accs',
    'ablt', 'loct'): decline(smirnov, 'accs') → 'Смирнова Никиту Андреевича'.  Anything with
    ``surname``, ``name``, ``patronymic`` and ``gender`` ('M'/'F') will do."""
    if case == 'nomn':
        return _full_name(person.surname, person.name, person.patronymic)
    from pytrovich.enums import Case, Gender, NamePart
    gender = Gender.FEMALE if person.gender == 'F' else Gender.MALE
    grammatical = getattr(Case, CASES[case])
    maker = _petrovich()
    parts = [(NamePart.LASTNAME, person.surname), (NamePart.FIRSTNAME, person.name),
             (NamePart.MIDDLENAME, person.patronymic)]
    return _full_name(*(maker.make(part, gender, grammatical, value) if value else ''
                        for part, value in parts))


def _full_name(*parts):
    return ' '.join(part for part in parts if part)
