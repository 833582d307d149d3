"""The class report, for deciding what to reteach: built from records alone, so these tests
make the records and read the page (the browser test in test_batch.py renders a real one)."""

from html.parser import HTMLParser
from pathlib import Path

import pytest

from grader.instructor import class_report as report
from grader.instructor.intake import Standing
from grader.instructor.records import PAGE, StudentRecord
from grader.lessons.autograd import FUNCTIONS
from grader.messages import explain, say
from grader.report import render
from grader.report.figures import font_style
from grader.results import Feedback

FULL = {f: (5.0, 5.0) for f in FUNCTIONS}


def student(tmp_path: Path, name: str, **fields) -> StudentRecord:
    place = tmp_path / "out" / name
    place.mkdir(parents=True)
    (place / PAGE).write_text("<p>page</p>")
    values = dict(name=name, folder=name, standing=Standing.GRADED, reason=None, score=50.0, max_score=50.0,
                  seed=1, seconds=0.1, functions=FULL, misconceptions={}, crashes=(), untouched=(),
                  blamed_on={}, run_notices=(), tests=(), place=place)
    return StudentRecord(**(values | fields))


def failing(*functions: str) -> dict[str, tuple[float, float]]:
    return FULL | {function: (0.0, 5.0) for function in functions}


@pytest.fixture
def records(tmp_path) -> list[StudentRecord]:
    return [
        student(tmp_path, "ada"),
        student(tmp_path, "bo", functions=failing("sgd_step"), misconceptions={"sgd_step": ("rebinding",)},
                score=45.0),
        student(tmp_path, "chen", functions=failing("sgd_step", "train"), score=40.0,
                misconceptions={"sgd_step": ("rebinding",)}, blamed_on={"train": ("sgd_step",)}),
        student(tmp_path, "dana", functions=failing("train"), crashes=("timeout",), score=45.0),
        student(tmp_path, "eli", untouched=("plot_fit",), functions=failing("plot_fit"), score=45.0),
        student(tmp_path, "fay", standing=Standing.NOT_GRADABLE, score=0.0, functions={},
                reason=Feedback("no_lesson_files", {"expected": "autograd_basics.py", "found": "essay.docx"})),
    ]


class Cells(HTMLParser):
    """The text and links inside each block with an id or a data-function, by that name."""

    BLOCKS = ("table", "p", "ul", "section", "h3")

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.text: dict[str, str] = {}
        self.links: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        named = dict(attrs)
        if tag in self.BLOCKS:
            function = named.get("data-function")
            self.open.append(named.get("id") or (f"{tag}:{function}" if function else ""))
        for key in filter(None, self.open if tag == "a" else ()):
            self.links.setdefault(key, []).append(named["href"])

    def handle_data(self, data: str) -> None:
        for key in filter(None, self.open):
            self.text[key] = self.text.get(key, "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.open.pop()


def read(records: list[StudentRecord], tmp_path: Path, lang: str = "en") -> Cells:
    cells = Cells()
    cells.feed(report.class_report(records, tmp_path / "out", lang))
    return cells


def test_each_function_lists_its_misconceptions_with_the_students_linked(records, tmp_path):
    cells = read(records, tmp_path)
    assert explain("rebinding", "en") + "2" in cells.text["table:sgd_step"]  # the misconception, 2 students
    assert cells.links["table:sgd_step"] == ["bo/feedback.html", "chen/feedback.html"]
    assert all((tmp_path / "out" / link).is_file() for links in cells.links.values() for link in links)


def test_train_failures_are_split_into_its_own_and_a_helpers(records, tmp_path):
    cells = read(records, tmp_path)
    split = cells.text["p:train"]
    assert "1 failed on their own" in split and "1 failed only because a helper they call did" in split
    assert cells.links["p:train"] == ["chen/feedback.html"]


def test_needs_attention_lists_not_gradable_crashed_timed_out_and_untouched(records, tmp_path):
    cells = read(records, tmp_path)
    attention = cells.text["attention"]
    assert "fay" in attention and "not gradable: none of its files is autograd_basics.py" in attention
    assert "dana" in attention and "timed out" in attention
    assert "eli" in attention and "stubs left untouched: plot_fit" in attention
    assert cells.links["attention"] == ["dana/feedback.html", "eli/feedback.html", "fay/feedback.html"]


def test_counts_and_means_say_what_they_are_over(records, tmp_path):
    cells = read(records, tmp_path)
    assert cells.text["count"] == "6 students: 5 graded, 1 not graded"
    assert cells.text["scores-summary"] == "mean score 45.00, median 45, of 50 points: over the 5 graded of 6 students"
    assert "3 of the 5 graded passed" in cells.text["function-sgd_step"]


def test_every_student_who_lost_points_is_listed_under_the_function(records, tmp_path):
    cells = read(records, tmp_path)
    for record in records[:5]:
        for function, (got, worth) in record.functions.items():
            if got < worth and function not in record.blamed_on:  # those are in the split, with the helper
                assert f"{record.name}/feedback.html" in cells.links[f"table:{function}"], (record.name, function)
    assert cells.links["table:train"] == ["dana/feedback.html"]
    assert say("cause_other", "en") + "1dana" in cells.text["table:train"]  # no misconception named: "other"
    assert say("cause_untouched", "en") + "1eli" in cells.text["table:plot_fit"]


BLOCKED = (Feedback("syntax_error", {"line": 3, "module": "autograd_basics", "message": "invalid syntax"}),
           Feedback("import_failed", {"module": "linear_regression", "reason": "No module named 'sklearn'"}),
           Feedback("missing_module", {"module": "linear_regression"}))


@pytest.mark.parametrize("blocker", BLOCKED, ids=lambda feedback: feedback.message)
def test_needs_attention_lists_what_kept_a_module_from_being_graded(records, tmp_path, blocker):
    blocked = student(tmp_path, "gus", functions=failing(*FUNCTIONS), score=0.0, blockers=(blocker,))
    cells = read([*records, blocked], tmp_path)
    assert "gus" in cells.text["attention"] and render(blocker, "en") in cells.text["attention"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_empty_section_says_so_in_a_sentence(tmp_path, lang):
    cells = read([student(tmp_path, "ada")], tmp_path, lang)
    assert cells.text["attention"] == say("attention_none", lang)  # not a table's bare head


def test_the_histogram_counts_whole_students_and_points(tmp_path, monkeypatch):
    ticks: list[float] = []
    drawn = report.drawn

    def spy(lang_, size, draw):
        def drawing(figure, text):
            draw(figure, text)
            figure.canvas.draw()
            ticks.extend([*figure.axes[0].get_xticks(), *figure.axes[0].get_yticks()])

        return drawn(lang_, size, drawing)

    monkeypatch.setattr(report, "drawn", spy)
    report.histogram([student(tmp_path, "one", score=1.0, max_score=3.0)], "zh")  # left alone: 0, 0.2, ... 1.0
    assert ticks and all(float(tick).is_integer() for tick in ticks)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_chart_is_titled_in_the_reports_language_without_missing_glyphs(records, tmp_path, monkeypatch,
                                                                             lang):
    titles: list[str] = []
    drawn = report.drawn

    def spy(lang_, size, draw):
        def drawing(figure, text):
            draw(figure, text)
            titles.extend(axes.get_title() for axes in figure.axes)

        return drawn(lang_, size, drawing)

    monkeypatch.setattr(report, "drawn", spy)
    read(records, tmp_path, lang)  # warnings are errors here: a missing glyph would fail it
    shown = lang if font_style(lang) is not None else "en"
    assert titles == [say("histogram_title", shown), say("pass_rate_title", shown)]
