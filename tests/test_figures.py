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
        decode("figure", {"figure": {"kind": "figure"}, "axes": [], "image": forged})


DIVERGING_TRAIN = """
    w, b = init_params(x.device)
    losses = []
    for _ in range(epochs):
        loss = mse_loss(predict(x, w, b), y)
        losses.append(loss.item())
        loss.backward()
        sgd_step([w, b], 10.0)
        zero_grads([w, b])
    return w, b, losses
"""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_diverged_training_is_shown_as_diverged_with_what_to_change(graded, tmp_path, lang):
    from grader.lessons.autograd.page import diverged, student_training, training_image
    from grader.messages import figure_labels
    from grader.report.html import write_feedback_page

    result = graded({"train": DIVERGING_TRAIN})
    training = student_training(result)
    assert training is not None and diverged(training)
    page = tmp_path / "page.html"
    write_feedback_page(result.for_student(), lang, page)
    text = page.read_text("utf-8")
    assert {"en": "your training diverged", "zh": "你的训练发散了"}[lang] in text
    assert {"en": "smaller lr", "zh": "更小的 lr"}[lang] in text and "nanx" not in text
    assert figure_labels(lang)["diverged"]
    training_image(training, lang)  # drawn without a warning (they are errors here)
