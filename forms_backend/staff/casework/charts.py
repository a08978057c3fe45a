"""Bar-chart geometry for server-rendered SVG: where each bar goes and how long it is.

The words (title, description, labels) stay in the template; every chart there has a data table
under it, so the picture is never the only way to read a number.
"""

from __future__ import annotations

from dataclasses import dataclass

ROW = 28  # px per bar
LABEL_WIDTH = 190  # px for the label left of the bars
BAR_SPACE = 360  # px the longest bar takes
VALUE_SPACE = 90  # px after a bar for its value


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str  # the value as the chart writes it
    y: int
    length: float


@dataclass(frozen=True)
class BarChart:
    bars: tuple[Bar, ...]
    label_width: int = LABEL_WIDTH
    row: int = ROW

    @property
    def width(self) -> int:
        return LABEL_WIDTH + BAR_SPACE + VALUE_SPACE

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * ROW + 8


def bar_chart(values: list[tuple[str, float, str]]) -> BarChart:
    """Horizontal bars, one per (label, value, shown) in order, scaled to the largest value."""
    largest = max((value for _, value, _ in values), default=0) or 1
    bars = tuple(
        Bar(label, value, shown, index * ROW + 4, round(BAR_SPACE * value / largest, 1))
        for index, (label, value, shown) in enumerate(values)
    )
    return BarChart(bars)
