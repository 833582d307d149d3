"""Part 3: a neural network that recognises handwritten digits.

The linear model of part 2 had two numbers to learn. Now the model has thousands, arranged
in layers, and we let PyTorch's building blocks carry the bookkeeping: nn.Module holds the
parameters, an optimizer updates them, nn.CrossEntropyLoss scores ten-way guesses, and a
DataLoader serves the data in shuffled batches. The data is scikit-learn's bundled set of
1,797 handwritten digits, each an 8×8 image with gray levels 0 to 16 (no download needed).

The loop is the same as before, written with these blocks: clear the gradients
(optimizer.zero_grad()), compute the outputs, the loss, backpropagate (loss.backward()),
update (optimizer.step()). The network outputs raw scores, called logits: CrossEntropyLoss
applies the softmax itself, so the model must not. Evaluating is different from training:
model.eval() switches layers such as dropout to their testing behaviour, and
torch.no_grad() stops autograd from recording what only needs to be measured.

第三部分:识别手写数字的神经网络。

第二部分的线性模型只需学习两个数;现在模型有几千个参数,按层排列,我们让 PyTorch 的
组件来记账:nn.Module 保存参数,优化器更新参数,nn.CrossEntropyLoss 为十选一的猜测打分,
DataLoader 把数据打乱并分批送来。数据是 scikit-learn 自带的 1797 张手写数字,每张是
灰度 0 到 16 的 8×8 图像(无需下载)。

循环和以前一样,只是用这些组件来写:清空梯度(optimizer.zero_grad()),计算输出和损失,
反向传播(loss.backward()),更新参数(optimizer.step())。网络输出的是原始分数(logits):
CrossEntropyLoss 自己会做 softmax,所以模型里不要再做。评估和训练不同:model.eval() 让
dropout 等层切换到测试时的行为,torch.no_grad() 让 autograd 不记录只用于测量的计算。
"""

import torch
from matplotlib.figure import Figure
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def load_data(seed=0, test_size=360):
    """Given: the digits as (x_train, y_train, x_test, y_test), through to_tensors, with a
    fixed split (the same 360 test images every time).
    已给出:用 to_tensors 转换后的 (x_train, y_train, x_test, y_test),测试集固定为同样的 360 张图像。
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    x, y = to_tensors(digits.images, digits.target)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    test, train = order[:test_size], order[test_size:]
    return x[train], y[train], x[test], y[test]


def make_loader(x, y, batch_size=64, seed=0):
    """Given: a DataLoader of shuffled (x, y) batches, the same order for the same seed.
    已给出:打乱顺序、按批给出 (x, y) 的 DataLoader,同一个 seed 给出同样的顺序。
    """
    return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True,
                      generator=torch.Generator().manual_seed(seed))


def to_tensors(images, labels):
    """Return (x, y) from numpy arrays: x the images flattened to rows of 64 float32 values
    scaled from 0-16 to 0-1, shape (N, 64); y the labels as class indices, int64, shape (N,)
    (CrossEntropyLoss wants indices, not floats and not one-hot rows).

    把 numpy 数组转换为 (x, y):x 是展平成每行 64 个 float32 的图像,灰度从 0-16 缩放到 0-1,
    形状 (N, 64);y 是类别下标,int64,形状 (N,)(CrossEntropyLoss 要的是下标,不是浮点数,
    也不是 one-hot 行)。
    """
    ### BEGIN SOLUTION
    x = torch.as_tensor(images, dtype=torch.float32).reshape(len(images), -1) / 16
    y = torch.as_tensor(labels, dtype=torch.int64)
    return x, y
    ### END SOLUTION


class DigitNet(nn.Module):
    """A network with one hidden layer: nn.Linear(64, hidden) named self.hidden, a ReLU,
    then nn.Linear(hidden, 10) named self.output, created in that order. forward(x) takes
    a batch of shape (N, 64) and returns the logits, shape (N, 10): no softmax.

    有一个隐藏层的网络:名为 self.hidden 的 nn.Linear(64, hidden),一个 ReLU,然后名为
    self.output 的 nn.Linear(hidden, 10),按这个顺序创建。forward(x) 接收形状 (N, 64)
    的一批数据,返回形状 (N, 10) 的 logits:不做 softmax。
    """

    def __init__(self, hidden=32):
        super().__init__()
        ### BEGIN SOLUTION
        self.hidden = nn.Linear(64, hidden)
        self.output = nn.Linear(hidden, 10)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        return self.output(torch.relu(self.hidden(x)))
        ### END SOLUTION


def train_step(model, x, y, optimizer, loss_fn):
    """One training step on the batch (x, y): optimizer.zero_grad(), the logits
    model(x), loss = loss_fn(logits, y), loss.backward(), optimizer.step(). Return the
    loss as a Python float (loss.item(), taken after backward: the loss tensor itself is
    what backward needs).

    在一批数据 (x, y) 上训练一步:optimizer.zero_grad(),logits = model(x),
    loss = loss_fn(logits, y),loss.backward(),optimizer.step()。返回 Python 浮点数形式的
    损失(在 backward 之后再调用 loss.item():backward 需要的是损失张量本身)。
    """
    ### BEGIN SOLUTION
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()
    ### END SOLUTION


def train_epoch(model, loader, optimizer, loss_fn):
    """One pass over the loader: model.train(), then train_step on each batch. Return
    the mean of the batches' losses, a Python float.

    遍历 loader 一次:先 model.train(),再对每一批调用 train_step。返回各批损失的平均值
    (Python 浮点数)。
    """
    ### BEGIN SOLUTION
    model.train()
    losses = [train_step(model, x, y, optimizer, loss_fn) for x, y in loader]
    return sum(losses) / len(losses)
    ### END SOLUTION


def accuracy(logits, y):
    """Return the fraction of rows whose largest logit is at the right label: a Python
    float between 0 and 1 (not a count). The class of a row is logits.argmax(dim=1).

    返回最大 logit 位于正确标签处的行所占的比例:0 到 1 之间的 Python 浮点数(不是个数)。
    一行的类别是 logits.argmax(dim=1)。
    """
    ### BEGIN SOLUTION
    return (logits.argmax(dim=1) == y).float().mean().item()
    ### END SOLUTION


def evaluate(model, x, y):
    """Return the model's accuracy on (x, y), measured in evaluation mode (model.eval())
    and without recording gradients (with torch.no_grad()).

    在评估模式(model.eval())下、不记录梯度(with torch.no_grad())地计算模型在 (x, y)
    上的准确率并返回。
    """
    ### BEGIN SOLUTION
    model.eval()
    with torch.no_grad():
        return accuracy(model(x), y)
    ### END SOLUTION


def predict(model, x):
    """Return the predicted digit of each row of x: int64 labels of shape (N,), computed
    like evaluate (model.eval(), torch.no_grad()).

    返回 x 每一行预测的数字:形状 (N,) 的 int64 标签,像 evaluate 一样计算
    (model.eval(),torch.no_grad())。
    """
    ### BEGIN SOLUTION
    model.eval()
    with torch.no_grad():
        return model(x).argmax(dim=1)
    ### END SOLUTION


def fit(x_train, y_train, x_test, y_test, hidden=32, lr=0.1, epochs=10, seed=0):
    """Train a DigitNet on the training split and measure it on the test split. Return
    (model, losses, test_accuracy).

    torch.manual_seed(seed), then DigitNet(hidden); torch.optim.SGD(model.parameters(),
    lr=lr); nn.CrossEntropyLoss(); make_loader(x_train, y_train, seed=seed). Each epoch:
    train_epoch, its loss appended to losses. Then test_accuracy = evaluate on the test
    split, which training never sees.

    在训练集上训练一个 DigitNet,并在测试集上测量。返回 (model, losses, test_accuracy)。
    先 torch.manual_seed(seed),再 DigitNet(hidden);torch.optim.SGD(model.parameters(), lr=lr);
    nn.CrossEntropyLoss();make_loader(x_train, y_train, seed=seed)。每个 epoch 调用
    train_epoch,把它的损失追加到 losses。最后在测试集上 evaluate 得到 test_accuracy:
    训练时从不使用测试集。
    """
    ### BEGIN SOLUTION
    torch.manual_seed(seed)
    model = DigitNet(hidden).to(x_train.device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    loader = make_loader(x_train, y_train, seed=seed)
    losses = [train_epoch(model, loader, optimizer, loss_fn) for _ in range(epochs)]
    return model, losses, evaluate(model, x_test, y_test)
    ### END SOLUTION


def plot_predictions(images, labels, predicted):
    """Return a matplotlib Figure of the first (up to) 10 images, one axes each: the image
    drawn with imshow as 8×8 gray levels, titled with its predicted digit (and its true
    label).

    返回一个 matplotlib Figure,显示前(最多)10 张图像,每张一个坐标轴:用 imshow 画成
    8×8 的灰度图,标题写上预测的数字(以及真实标签)。
    """
    ### BEGIN SOLUTION
    count = min(10, len(images))
    figure = Figure(figsize=(2 * count, 2.4))
    for index, axes in enumerate(figure.subplots(1, count, squeeze=False)[0]):
        axes.imshow(images[index].detach().cpu().reshape(8, 8), cmap="gray_r")
        axes.set_title(f"{int(predicted[index])} ({int(labels[index])})")
        axes.axis("off")
    return figure
    ### END SOLUTION
