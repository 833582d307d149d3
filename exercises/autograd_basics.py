"""Part 1: let autograd compute derivatives for you.

Training a model means following gradients downhill, so we need derivatives of whatever
we compute. PyTorch's autograd records every operation done on a tensor created with
requires_grad=True; calling .backward() on a result then walks that record backwards,
applying the chain rule, and stores d(result)/d(tensor) in the tensor's .grad.
Only leaf tensors (made by you, not computed) that require grad get a .grad.

Example: y = x**2 + 3x + 1 at x = 2 has dy/dx = 2x + 3 = 7. With two inputs,
z = x**2 * y + y**2 at x = 2, y = 3 gives dz/dx = 2xy = 12 and dz/dy = x**2 + 2y = 10.
(The tutorial this lesson follows prints 13 for dz/dy: that printout is wrong.)

第一部分:让 autograd 替你求导。

训练模型就是沿着梯度下降,所以我们需要所计算的一切的导数。PyTorch 的 autograd 会记录对
requires_grad=True 的张量所做的每个运算;对结果调用 .backward() 时,它沿着记录反向应用链式法则,
把 d(结果)/d(张量) 存进该张量的 .grad。只有需要梯度的叶子张量(由你创建,而不是计算得到的)才有 .grad。

例子:y = x**2 + 3x + 1 在 x = 2 处的导数 dy/dx = 2x + 3 = 7。两个输入时,
z = x**2 * y + y**2 在 x = 2、y = 3 处:dz/dx = 2xy = 12,dz/dy = x**2 + 2y = 10。
(本课参考的教程打印的 dz/dy 是 13:那个输出是错的。)
"""

import torch


def quadratic_grad(x):
    """Return dy/dx of y = x**2 + 3*x + 1 at the point x, computed by autograd.

    x is a Python float or a 0-d tensor. Build a leaf tensor from it that requires
    grad, compute y, call y.backward() and return the gradient: a 0-d float tensor on
    x's device. At x = 2 the answer is 7.

    用 autograd 计算 y = x**2 + 3*x + 1 在 x 处的导数 dy/dx。x 是 Python 浮点数或 0 维张量。
    先由它创建一个 requires_grad 的叶子张量,计算 y,调用 y.backward(),返回梯度:
    一个与 x 在同一设备上的 0 维浮点张量。x = 2 时答案是 7。
    """
    # Autograd finds the derivative for you: make x a tensor that autograd watches, compute y from it,
    # then ask autograd to go backward from y.
    # 让 autograd 替你求导:把 x 变成 autograd 追踪的张量,由它算出 y,再让 autograd 从 y 反向传播。
    raise NotImplementedError("quadratic_grad: write your code here / 在这里写代码")


def chain_rule_grads(x, y):
    """Return (dz/dx, dz/dy) of z = x**2 * y + y**2, from a single backward pass.

    x and y are floats or 0-d tensors; return two 0-d tensors on their device. At
    x = 2, y = 3 the answer is (12, 10). Careful: the tutorial prints 13 for dz/dy,
    which is wrong: dz/dy = x**2 + 2*y = 4 + 6 = 10.

    用一次反向传播求 z = x**2 * y + y**2 的 (dz/dx, dz/dy)。x、y 是浮点数或 0 维张量,
    返回两个在同一设备上的 0 维张量。x = 2、y = 3 时答案是 (12, 10)。
    注意:教程打印的 dz/dy = 13 是错的:dz/dy = x**2 + 2*y = 4 + 6 = 10。
    """
    # Both x and y must be leaves that autograd watches; one backward pass from z fills both of their
    # gradients.
    # x 和 y 都必须是 autograd 追踪的叶子张量;从 z 做一次反向传播就能得到两者的梯度。
    raise NotImplementedError("chain_rule_grads: write your code here / 在这里写代码")


def quadratic_grad_by_hand(x):
    """Return the derivative of y = x**2 + 3*x + 1, written by hand, elementwise.

    x is a tensor of any shape; return a tensor of the same shape and device. Do not
    use autograd: the grader calls this with autograd switched off and compares it
    with what autograd computes.

    手写 y = x**2 + 3*x + 1 的导数,逐元素计算。x 是任意形状的张量,返回同形状、同设备的张量。
    不要用 autograd:评分器会在关闭 autograd 的情况下调用它,并与 autograd 的结果比较。
    """
    # Differentiate x² + 3x + 1 with pen and paper: this function must work without autograd.
    # 用纸笔对 x² + 3x + 1 求导:这个函数必须在没有 autograd 的情况下工作。
    raise NotImplementedError("quadratic_grad_by_hand: write your code here / 在这里写代码")
