"""Survival plots: one PNG per table, the same bytes for the same table, readable when figures are hidden."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from matplotlib.image import imread

from outcomes.reports.plots import survival_figure, survival_plot
from outcomes.reports.suppression import release_table
from tests.outcomes.reports.report_tables import follow_up, report_table

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
REPOSITORY = Path(__file__).resolve().parents[3]


def margin_table():
    return report_table(
        {
            "R0": follow_up(30, 0, 150, step=15),
            "R1": follow_up(16, 0, 40, start=20, step=50),
            "R2": follow_up(12, 0, 25, start=3, step=60),
            "R3": follow_up(2, 0, 4),
        }
    )


def legend_labels(figure):
    return [text.get_text() for text in figure.axes[0].get_legend().get_texts()]


def figure_texts(figure):
    return [text.get_text() for text in figure.texts]


def decoded(png):
    return imread(io.BytesIO(png), format="png")


@pytest.mark.parametrize("kind", ["km", "aj"])
def test_a_full_table_gives_a_png_with_one_curve_per_level(kind):
    png = survival_plot(
        margin_table(), kind=kind, title="Recurrence by margin", y_label="Cumulative incidence"
    )

    assert png.startswith(PNG_SIGNATURE)
    assert decoded(png).shape[1] == 800
    figure = survival_figure(margin_table(), kind=kind, title="t", y_label="y")
    assert legend_labels(figure) == ["R0", "R1", "R2", "R3"]


def test_the_same_table_gives_the_same_bytes():
    first = survival_plot(margin_table(), kind="km", title="Recurrence", y_label="Cumulative incidence")
    second = survival_plot(margin_table(), kind="km", title="Recurrence", y_label="Cumulative incidence")

    assert first == second
    assert b"Matplotlib" not in first  # no software version stamped in the file


def test_a_different_table_gives_different_bytes():
    other = report_table({"R0": follow_up(31, 0, 150, step=15), "R1": follow_up(16, 0, 40)})

    assert survival_plot(other, kind="km", title="t", y_label="y") != survival_plot(
        margin_table(), kind="km", title="t", y_label="y"
    )


def test_a_released_table_names_withheld_curves_and_shows_small_numbers_at_risk_as_markers():
    released = release_table(margin_table())

    png = survival_plot(released, kind="km", title="Recurrence by margin", y_label="Cumulative incidence")
    figure = survival_figure(released, kind="km", title="t", y_label="y")

    assert png.startswith(PNG_SIGNATURE)
    assert legend_labels(figure) == ["R0", "R1", "R2 (withheld: small cell)", "R3 (withheld: small cell)"]
    texts = figure_texts(figure)
    assert "<11" in texts and "suppressed" in texts
    assert not any(text.isdigit() and 1 <= int(text) < 11 for text in texts)
    # The drawn curves end where the released ones end: nothing beyond fewer than 11 at risk.
    lines = figure.axes[0].get_lines()
    assert max(lines[1].get_xdata()) == pytest.approx(max(released["rows"][2]["curve"]["time"]) / 365.25)


def test_a_stratum_with_one_level_draws_only_all():
    table = report_table({"R0": follow_up(30, 0, 100)})

    figure = survival_figure(table, kind="km", title="t", y_label="y")

    assert legend_labels(figure) == ["all"]


@pytest.mark.parametrize(
    "table", [{"rows": []}, report_table({"all": []}, stratum="all")], ids=["no rows", "nobody"]
)
def test_an_empty_table_draws_no_data(table):
    png = survival_plot(table, kind="aj", title="Recurrence", y_label="Cumulative incidence")
    figure = survival_figure(table, kind="aj", title="Recurrence", y_label="Cumulative incidence")

    assert png.startswith(PNG_SIGNATURE)
    assert "no data" in [text.get_text() for text in figure.axes[0].texts]


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        survival_plot(margin_table(), kind="cox", title="t", y_label="y")


def test_plotting_leaves_no_pyplot_state_behind():
    script = (
        "import sys\n"
        "from outcomes.reports.plots import survival_plot\n"
        "survival_plot({'rows': []}, kind='km', title='t', y_label='y')\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )

    subprocess.run([sys.executable, "-c", script], cwd=REPOSITORY, check=True)
