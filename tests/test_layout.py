"""The house keeps its shape (issue 12): a room imports only from below it, and no service
module grows past a size one can read."""
import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
MAX_LINES = 550
ALLOWED_LONGER = {'services/imports/parser.py'}  # the template's rules, column by column


def imported_modules(path):
    tree = ast.parse(path.read_text(encoding='utf-8'))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module


def top(name):
    return name.split('.')[0]


def test_the_schema_the_keys_and_the_clock_import_nothing_of_ours_above_them():
    ours = {'services', 'blueprints', 'web', 'app', 'compiled', 'demo'}
    assert not {m for m in imported_modules(ROOT / 'keys.py') if top(m) in ours | {'models', 'clock'}}
    assert not {m for m in imported_modules(ROOT / 'clock.py') if top(m) in ours | {'models', 'keys'}}
    assert not {m for m in imported_modules(ROOT / 'models.py') if top(m) in ours}


def test_services_import_neither_flask_nor_the_web_layer():
    offenders = []
    for path in (ROOT / 'services').rglob('*.py'):
        for module in imported_modules(path):
            if module == 'werkzeug.security':  # the password hash, a library function
                continue
            if top(module) in {'flask', 'flask_login', 'flask_wtf', 'werkzeug', 'blueprints', 'web', 'app'}:
                offenders.append(f'{path.relative_to(ROOT)}: {module}')
    assert not offenders, offenders


def test_an_area_reaches_another_only_through_its_package():
    """``services.movement.rules`` is movement's own; other areas call ``services.movement``."""
    offenders = []
    areas = {p.name for p in (ROOT / 'services').iterdir() if (p / '__init__.py').exists()}
    for path in list((ROOT / 'services').rglob('*.py')) + list((ROOT / 'blueprints').glob('*.py')):
        own = path.stem if path.parent.name == 'blueprints' else path.relative_to(ROOT).parts[1]
        for module in imported_modules(path):
            parts = module.split('.')
            if len(parts) > 2 and parts[0] == 'services' and parts[1] in areas - {'registry', own}:
                offenders.append(f'{path.relative_to(ROOT)}: {module}')
    assert not offenders, offenders


def test_no_service_module_is_too_long_to_read():
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / 'services').rglob('*.py')
            if (n := len(p.read_text(encoding='utf-8').splitlines())) > MAX_LINES}
    assert set(long) <= ALLOWED_LONGER, long
