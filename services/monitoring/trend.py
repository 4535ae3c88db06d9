"""A trend across snapshots as a server-drawn SVG: the geometry is computed here, the template
only writes it out.  Accessible: a title and a description name every value, the same values
stand in a table beside the chart, and the levels are bands with their words."""
from dataclasses import dataclass, field

from services.common import ru_date
from services.fill import HIGH, LEVELS, MEDIUM
from services.monitoring.figures import FIGURES, figure_label

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 12, 36
BANDS = (('low', 0, MEDIUM), ('medium', MEDIUM, HIGH), ('high', HIGH, 1000))
MARKERS = {'card': 'circle', 'staff': 'square', 'portfolio': 'diamond', 'esia': 'triangle'}


@dataclass
class Series:
    code: str
    label: str
    values: list  # tenths or None per date
    points: list = field(default_factory=list)  # (x, y, label) of the values present
    path: str = ''


@dataclass
class Chart:
    title: str
    description: str
    dates: list
    series: list
    width: int = WIDTH
    height: int = HEIGHT
    bands: list = field(default_factory=list)  # (level, word, y, height)
    x_ticks: list = field(default_factory=list)  # (x, label)
    y_ticks: list = field(default_factory=list)  # (y, label)

    @property
    def empty(self):
        return not self.dates


def _y(tenths):
    return round(TOP + (HEIGHT - TOP - BOTTOM) * (1000 - tenths) / 1000, 1)


def _xs(dates):
    """Snapshots evenly spaced (they are compared as dates, like the seed's columns), inset from the axes."""
    inner = WIDTH - LEFT - RIGHT - 80
    if len(dates) == 1:
        return [LEFT + 40 + inner / 2]
    return [round(LEFT + 40 + inner * n / (len(dates) - 1), 1) for n in range(len(dates))]


def chart_of(title, dates, series):
    """A Chart of ``series`` {code: [tenths or None per date]} over ``dates``."""
    xs = _xs(dates)
    lines = []
    for code, label in FIGURES.items():
        values = series.get(code, [None] * len(dates))
        line = Series(code, label, values)
        line.points = [(x, _y(v), figure_label(v)) for x, v in zip(xs, values) if v is not None]
        line.path = ' '.join(f'{"M" if n == 0 else "L"}{x},{y}' for n, (x, y, _) in enumerate(line.points))
        lines.append(line)
    said = '; '.join(
        f'{line.label}: ' + ', '.join(f'{ru_date(day)} — {figure_label(value)}' for day, value in zip(dates, line.values)
                                      if value is not None)
        for line in lines if line.points)
    description = (f'Снимки: {len(dates)}. {said}.' if dates else 'Снимков пока нет.')
    chart = Chart(title, description, dates, lines)
    chart.bands = [(level, LEVELS[level], _y(top), round(_y(bottom) - _y(top), 1)) for level, bottom, top in BANDS]
    chart.x_ticks = list(zip(xs, (ru_date(day) for day in dates)))
    chart.y_ticks = [(_y(t), f'{t // 10}\u00a0%') for t in (0, 200, 400, 600, 800, 900, 1000)]
    return chart
