"""Chinese feedback is Chinese throughout: the only Latin letters in it are code (names from
the lesson, torch and Python calls, commands), values, proper names (Python, CUDA, ...) and
the raw text of an exception, which a Chinese explanation then follows."""

import inspect
import re

import pytest

from grader.lessons.autograd import API, FUNCTIONS
from grader.lessons.autograd.checks import reference_module
from grader.messages import catalogue
from grader.report import function_feedback, render
from grader.report.gradescope import gradescope_results
from tests.corpus import MISTAKES

SECTIONS = ("messages", "misconceptions", "claims", "values", *(f"hints.{f}" for f in FUNCTIONS))
PROPER_NAMES = {
    "Python", "PyTorch", "NumPy", "matplotlib", "CUDA", "CPU", "GPU", "UTF", "GBK", "IPython", "RMSE", "README",
    "nbgrader", "seccomp", "Landlock", "bubblewrap", "uid", "Ctrl", "Figure", "Tensor", "Gradescope", "Canvas",
    "Excel", "LibreOffice", "PrairieLearn", "pip", "wheel", "zip", "tar", "Autograd", "Linux",
    "Threat", "model",  # the README's section "Threat model", named as it is headed
    "Noto", "Sans", "CJK",  # a font's name
}
# what the code of this lesson says: torch, autograd and Python words a learner types
CODE_WORDS = {
    "torch", "tensor", "autograd", "backward", "grad", "grad_fn", "requires_grad", "None", "True", "False", "return",
    "with", "lambda", "float", "int", "list", "tuple", "dtype", "float32", "float64", "epoch", "epochs", "lr", "item",
    "detach", "numpy", "cpu", "cuda", "shell", "dx", "dy", "dz", "dL", "dw", "mean", "sum", "xy", "flatten", "squeeze",
    "for",
    "batch", "folder",  # a command of the kit, a column of the roster
    "exercises",  # the students' folder
    "db", "np",  # dL/db beside dL/dw; NumPy as code imports it (np.mean)
}
CODE = re.compile(
    r"\{[^{}]*\}"  # a template's field: filled with a value or a name
    r"|`[^`]*`"
    r"|python -m grader[^\u4e00-\u9fff,。;:()]*"  # a command, up to the Chinese text around it
    r"|--[\w-]+"  # an option
    r"|\b[A-Z]\w*(?:Error|Exception|Warning|Interrupt|Exit)\b"  # an exception's type
    r"|\.\w+"  # a file's suffix, a method
    r"|\([A-Za-z_][A-Za-z0-9_, ]*\)"  # a tuple of names: (figure, axes)
    r"|[A-Za-z_]\w* 类型的对象"  # a returned object, known by its type's name
    r"|[\w.]*[A-Za-z_]\w*(?:[._]\w+|\([^()]*\)|\[[^\]]*\]|=\S+)+"  # x.grad, no_grad(), f(x), a=b, y_pred
)


def identifiers() -> set[str]:
    """The lesson's function and argument names, read off the reference."""
    names = set()
    for module, functions in API.items():
        loaded = reference_module(module)
        for function in functions:
            names |= {function, *inspect.signature(getattr(loaded, function)).parameters}
    return names


ALLOWED = PROPER_NAMES | CODE_WORDS | identifiers()


def english_words(text: str) -> list[str]:
    return [word for word in re.findall(r"[A-Za-z]{2,}", CODE.sub(" ", text)) if word not in ALLOWED]


def entries(section: str) -> dict[str, str]:
    table = catalogue("zh")
    for name in section.split("."):
        table = table[name]
    return table


@pytest.mark.parametrize("section", SECTIONS)
def test_the_chinese_catalogue_has_no_english_outside_code(section):
    found = {key: words for key, text in entries(section).items() if (words := english_words(text))}
    assert not found, found


def test_the_detector_finds_english_fragments():
    """The test above can fail: the fragments the Chinese feedback used to carry are found."""
    assert english_words("应返回 torch.Tensor,实际得到 an object of type ndarray") == ["an", "object", "of", "type",
                                                                                     "ndarray"]
    assert english_words("7.0 (a Python float)") == []  # one-letter words and code: nothing to flag
    assert english_words("a tensor of shape (100, 1)") == ["of", "shape"]


# the messages that quote an exception's own text
QUOTING = ("raised", "exception", "syntax_error", "no_such_attribute")


def exception_texts(result) -> list[str]:
    """The raw text of each exception the student's code raised: quoted as it is."""
    found = []
    for r in result.results:
        feedback = r.feedback
        while feedback is not None:
            found += [feedback.params["message"]] if feedback.message in QUOTING else []
            feedback = feedback.cause
    return [text for text in found if text]


def written_by_the_grader(text: str, quoted: list[str]) -> str:
    """The text less the student's own traceback (its lines are indented) and their exceptions' words."""
    text = "\n".join(line for line in text.splitlines() if not line[:1].isspace())
    for raw in quoted:
        text = text.replace(raw, " ")
    return text


@pytest.mark.parametrize("mistake", MISTAKES.values(), ids=MISTAKES.keys())
def test_chinese_feedback_on_each_mistake_is_chinese(graded, mistake):
    result = graded(mistake.bodies, mistake.preambles)
    texts = [render(r.feedback, "zh") for r in result.results if r.feedback]
    texts += [function_feedback(result, f, "zh") for f in mistake.loses]
    texts += [t[field] for t in gradescope_results(result, "zh")["tests"] for field in ("name", "output")]
    quoted = exception_texts(result)
    found = {text: words for text in texts if (words := english_words(written_by_the_grader(text, quoted)))}
    assert not found, found
