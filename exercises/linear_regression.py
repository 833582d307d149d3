"""Part 2: fit a line y = w*x + b by gradient descent, with autograd doing the calculus.

The data are 100 points on y = 2x + 1 with noise. The model has two parameters, w and b,
starting at 0. Each epoch: predict w*x + b, measure the mean squared error against y,
call backward to get dL/dw and dL/db, step each parameter against its gradient
(p -= lr * p.grad, inside torch.no_grad() so the step itself is not recorded), and clear
the gradients, which would otherwise add up. After 100 epochs at lr = 0.01 the line is
w ≈ 2.067, b ≈ 0.656: close to the best line (w ≈ 1.988, b ≈ 1.178), which more epochs
would reach. make_data and init_params are given; train puts your functions together
and plot_fit draws the result.

第二部分:用梯度下降拟合直线 y = w*x + b,由 autograd 负责求导。

数据是直线 y = 2x + 1 附近带噪声的 100 个点。模型有两个参数 w 和 b,初始为 0。每个 epoch:
预测 w*x + b,计算与 y 的均方误差,调用 backward 得到 dL/dw 和 dL/db,让每个参数沿梯度反方向走一步
(p -= lr * p.grad,放在 torch.no_grad() 里,这一步本身不被记录),再清空梯度,否则梯度会累加。
以 lr = 0.01 训练 100 个 epoch 后,直线为 w ≈ 2.067、b ≈ 0.656:接近最优直线
(w ≈ 1.988、b ≈ 1.178),再多训练一些 epoch 就能到达。make_data 和 init_params 已经给出;
train 把你的函数组合起来,plot_fit 画出结果。
"""

import torch
from matplotlib.figure import Figure


def make_data(n=100, noise=2.0, seed=42, device="cpu"):
    """Given: the lesson's data, x = linspace(0, 10, n) as an (n, 1) column and
    y = 2x + 1 + noise * randn, drawn on the CPU from its own generator and then moved,
    so that every device sees the same numbers.

    已给出:课程数据。x = linspace(0, 10, n),形状 (n, 1);y = 2x + 1 + noise * randn。
    在 CPU 上用独立的随机数生成器生成后再移动到 device,因此所有设备上的数据都一样。
    """
    generator = torch.Generator().manual_seed(seed)
    x = torch.linspace(0, 10, n).reshape(-1, 1)
    y = 2 * x + 1 + noise * torch.randn(x.shape, generator=generator)
    return x.to(device), y.to(device)


def init_params(device="cpu"):
    """Given: w and b as 0-d zeros that require grad.
    已给出:w 和 b,初始为 0 的 0 维张量,requires_grad=True。
    """
    w = torch.zeros((), device=device, requires_grad=True)
    b = torch.zeros((), device=device, requires_grad=True)
    return w, b


def predict(x, w, b):
    """Return the model's prediction w * x + b, with the same shape as x.
    返回模型的预测 w * x + b,形状与 x 相同。
    """
    # The model is a straight line: each prediction is w times x plus b.
    # 模型是一条直线:每个预测值等于 w 乘以 x 再加上 b。
    raise NotImplementedError("predict: write your code here / 在这里写代码")


def mse_loss(y_pred, y_true):
    """Return the mean squared error: the mean of (y_pred - y_true)**2, as a 0-d tensor
    that autograd can differentiate (do not call .item()).

    返回均方误差:(y_pred - y_true)**2 的平均值,是一个 autograd 可以求导的 0 维张量
    (不要调用 .item())。
    """
    # Mean squared error: square each difference between prediction and target, then average them (the
    # mean, not the sum).
    # 均方误差:把预测值与目标值的每个差值平方,再取平均(是平均,不是求和)。
    raise NotImplementedError("mse_loss: write your code here / 在这里写代码")


def mse_grads(x, y, w, b):
    """Return (dL/dw, dL/db) of L = mse_loss(predict(x, w, b), y), written by hand:
    dL/dw = 2 * mean((w*x + b - y) * x) and dL/db = 2 * mean(w*x + b - y).
    Do not use autograd: the grader calls this with autograd switched off.

    手写 L = mse_loss(predict(x, w, b), y) 的梯度 (dL/dw, dL/db):
    dL/dw = 2 * mean((w*x + b - y) * x),dL/db = 2 * mean(w*x + b - y)。
    不要用 autograd:评分器会在关闭 autograd 的情况下调用它。
    """
    # Differentiate the mean of (w x + b − y)² by w and by b with the chain rule: the square brings
    # down a factor 2, and x comes out of w x.
    # 用链式法则分别对 w 和 b 求 (w x + b − y)² 的平均值的导数:平方带来因子 2,对 w 求导时还会乘上 x。
    raise NotImplementedError("mse_grads: write your code here / 在这里写代码")


def sgd_step(params, lr):
    """One step of gradient descent: for each p in params, p -= lr * p.grad, in place,
    inside torch.no_grad() so that the update itself is not recorded by autograd.

    梯度下降的一步:对 params 中的每个 p 原地执行 p -= lr * p.grad,
    并放在 torch.no_grad() 里,这样更新本身不会被 autograd 记录。
    """
    # Move each parameter a small step against its gradient, changing the tensor itself, without
    # autograd recording the step.
    # 让每个参数沿梯度的反方向走一小步,直接修改张量本身,并且不让 autograd 记录这一步。
    raise NotImplementedError("sgd_step: write your code here / 在这里写代码")


def zero_grads(params):
    """Clear each p.grad in place (p.grad.zero_(); setting it to None is also fine), so
    that the next backward does not add to the old gradients.

    原地清空每个 p.grad(p.grad.zero_();设为 None 也可以),
    否则下一次 backward 会把新梯度累加到旧梯度上。
    """
    # Gradients add up across backward calls until you clear them.
    # 多次 backward 的梯度会累加,直到你把它们清空。
    raise NotImplementedError("zero_grads: write your code here / 在这里写代码")


def train(x, y, lr=0.01, epochs=100):
    """Fit w, b by gradient descent and return (w, b, losses).

    Start from init_params on x's device; each epoch: predict, mse_loss, record the
    loss as a Python float, backward, sgd_step, zero_grads. losses[i] is the loss
    before update i. On make_data() this ends near w = 2.067, b = 0.656.

    用梯度下降拟合 w、b,返回 (w, b, losses)。在 x 所在设备上调用 init_params 初始化;
    每个 epoch:predict、mse_loss、把损失记为 Python 浮点数、backward、sgd_step、zero_grads。
    losses[i] 是第 i 次更新之前的损失。在 make_data() 的数据上,结果约为 w = 2.067,b = 0.656。
    """
    # Each epoch: predict, compute the loss, backpropagate, update, clear the gradients.
    # 每个 epoch:预测、计算损失、反向传播、更新参数、清空梯度。
    raise NotImplementedError("train: write your code here / 在这里写代码")


def plot_fit(x, y, w, b, losses):
    """Return a matplotlib Figure with two axes: on the left the data as a scatter plot
    with the fitted line w*x + b, on the right the loss curve (one point per epoch).

    返回一个有两个坐标轴的 matplotlib Figure:左边是数据散点图和拟合直线 w*x + b,
    右边是损失曲线(每个 epoch 一个点)。
    """
    # One figure, two axes: the data with the fitted line on one, the loss per epoch on the other.
    # 一个图,两个坐标轴:一个画数据和拟合直线,另一个画每个 epoch 的损失。
    raise NotImplementedError("plot_fit: write your code here / 在这里写代码")
