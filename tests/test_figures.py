"""The student's plot_fit figure reaches their page as they drew it: rendered in the
sandbox, sent back as a PNG, checked to be one."""

import io

import pytest
import torch
from matplotlib import image

from grader.report.figures import student_plot
from grader.sandbox.observations import Malformed, decode

MAGENTA_FIGURE = """
    x, y = x.detach().cpu().flatten(), y.detach().cpu().flatten()
    figure = Figure(figsize=(8, 3), facecolor="#ff00ff")
    figure.suptitle("my own title")
    left, right = figure.subplots(1, 2)
    left.scatter(x, y)
    left.plot(x, (w * x + b).detach())
    right.plot(losses)
    return figure
"""


def test_the_page_shows_the_figure_the_student_drew(graded):
    result = graded({"plot_fit": MAGENTA_FIGURE})
    png = student_plot(result)
    assert png is not None
    pixels = image.imread(io.BytesIO(png))
    assert pixels.shape[1] == 8 * 72 and pixels.shape[0] == 3 * 72  # the student's own size
    assert pixels[0, 0, :3].tolist() == [1.0, 0.0, 1.0]  # and colours: not a redrawing


def test_a_huge_figure_is_rendered_small():
    from matplotlib.figure import Figure

    from grader.sandbox.child.probes import MAX_IMAGE_PIXELS, rendered

    png = rendered(Figure(figsize=(400, 100)))
    assert png is not None
    assert max(image.imread(io.BytesIO(png.numpy().tobytes())).shape[:2]) <= MAX_IMAGE_PIXELS


@pytest.mark.parametrize("forged", [torch.tensor(list(b"GIF89a..."), dtype=torch.uint8),
                                    torch.zeros(3, 3, dtype=torch.uint8), torch.zeros(8, dtype=torch.float32)])
def test_an_image_that_is_no_png_is_refused(forged):
    with pytest.raises(Malformed):
        decode("plot_fit", {"figure": {"kind": "figure"}, "axes": [], "image": forged})
