"""Russian as a person writes it (issue 13, item 11): numerals agree with nouns, names are
declined where a sentence needs them, and no template or user string of the code carries
«...», a space before a comma, "straight" quotes around Russian words, «Ок» or «Населенный»."""
import ast
import pathlib
import re
from types import SimpleNamespace

import pytest

from services import russian

ROOT = pathlib.Path(__file__).resolve().parent.parent
CYRILLIC = re.compile('[А-ЯЁа-яё]')
MISTAKES = {
    'три точки вместо «…»': re.compile(r'\.\.\.'),
    'пробел перед запятой': re.compile(r'\S ,'),
    'прямые кавычки вокруг русских слов': re.compile(r'[А-ЯЁа-яё,:.]\s"[А-ЯЁа-яё]|[А-ЯЁа-яё]"[\s.,:]'),
    '«Ок» вместо «ОК»': re.compile(r'(?<![А-ЯЁа-яё])Ок(?![А-ЯЁа-яё])'),
    '«Населенный» без ё': re.compile('[Нн]аселенн'),
}


@pytest.mark.parametrize('number, noun, case, expected', [
    (1, 'строка', 'datv', 'по 1 строке'), (5, 'строка', 'datv', 'по 5 строкам'),
    (21, 'строка', 'nomn', '21 строка'), (3, 'ребёнок', 'nomn', '3 ребёнка'),
    (5, 'ребёнок', 'nomn', '5 детей'), (11, 'ребёнок', 'nomn', '11 детей'),
    (1, 'ребёнок', 'gent', 'для 1 ребёнка'), (2, 'учащийся', 'nomn', '2 учащихся'),
    (12, 'год', 'nomn', '12 лет'), (22, 'год', 'nomn', '22 года'), (101, 'место', 'nomn', '101 место'),
])
def test_numerals_agree_with_nouns(number, noun, case, expected):
    assert expected.endswith(russian.count(number, noun, case))


def test_names_are_declined_for_the_sentence():
    boy = SimpleNamespace(surname='Смирнов', name='Никита', patronymic='Андреевич', gender='M')
    girl = SimpleNamespace(surname='Ковалёва', name='Наталья', patronymic='', gender='F')
    assert f'зачисляет ребёнка {russian.decline(boy, "accs")}' == \
        'зачисляет ребёнка Смирнова Никиту Андреевича'
    assert russian.decline(girl, 'gent') == 'Ковалёвой Натальи'
    assert russian.decline(boy, 'nomn') == 'Смирнов Никита Андреевич'


def test_templates_have_the_filters(app):
    with app.app_context():
        rendered = app.jinja_env.from_string(
            "по {{ n }} {{ n|plural('строка', 'datv') }}; {{ p|decline('datv') }}").render(
            n=5, p=SimpleNamespace(surname='Орлова', name='Софья', patronymic='Ивановна', gender='F'))
    assert rendered == 'по 5 строкам; Орловой Софье Ивановне'


def template_texts(path):
    """What a user reads in a template: its text between tags, the attributes people read, and
    the Russian string literals of its Jinja expressions (a value there reads as «X»)."""
    source = re.sub(r'{#.*?#}', '', path.read_text(encoding='utf-8'), flags=re.S)
    for expression in re.findall(r'{{.*?}}|{%.*?%}', source, flags=re.S):
        yield from (a or b for a, b in re.findall(r"'([^']*)'|\"([^\"]*)\"", expression))
    text = re.sub(r'{{.*?}}', 'X', source, flags=re.S)
    text = re.sub(r'{%.*?%}', '', text, flags=re.S)
    yield from re.findall(r'(?:placeholder|title|aria-label|alt)="([^"]*)"', text)
    yield from re.split(r'<[^>]*>', text)


def python_texts(path):
    """String literals of the code (docstrings aside), f-strings piece by piece."""
    tree = ast.parse(path.read_text(encoding='utf-8'))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.value


def mistakes():
    found = []
    sources = [(p, template_texts) for p in (ROOT / 'templates').rglob('*.html')]
    sources += [(p, python_texts) for folder in ('blueprints', 'services')
                for p in (ROOT / folder).rglob('*.py')]
    sources += [(ROOT / name, python_texts) for name in ('app.py', 'web.py')]
    for path, texts in sources:
        for text in texts(path):
            if not CYRILLIC.search(text):
                continue
            found += [f'{path.relative_to(ROOT)}: {what}: {text.strip()[:80]!r}'
                      for what, pattern in MISTAKES.items() if pattern.search(text)]
    return found


def test_user_texts_are_written_as_a_person_writes_russian():
    assert mistakes() == []


def test_the_sweep_finds_what_it_looks_for(tmp_path):
    page = tmp_path / 'page.html'
    page.write_text('<p title="Загрузка...">Нажмите кнопку "Применить" , затем «Ок».</p>'
                    '{{ field("Населенный пункт") }}', encoding='utf-8')
    texts = [t for t in template_texts(page) if CYRILLIC.search(t)]
    hits = {what for text in texts for what, pattern in MISTAKES.items() if pattern.search(text)}
    assert hits == set(MISTAKES)
