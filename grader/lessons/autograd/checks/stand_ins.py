"""Stand-ins for the blame re-run (judge/blame.py): train and the helpers it calls, each
written from its docstring alone, in another form than the reference's. They are sent
into the student's child (a hand-in can read them there), so reading them teaches
nothing the docstrings do not already say; they are not the solutions. Each imports
torch itself: it runs among the student's module's names, which are the student's."""


def predict(x, w, b):
    return x * w + b


def mse_loss(y_pred, y_true):
    difference = y_pred - y_true
    return (difference * difference).mean()


def sgd_step(params, lr):
    import torch

    with torch.no_grad():
        for p in params:
            p.sub_(p.grad, alpha=lr)


def zero_grads(params):
    for p in params:
        p.grad = None


def train(x, y, lr=0.01, epochs=100):
    w, b = (x.new_zeros(()).requires_grad_() for _ in range(2))
    losses = []
    while len(losses) < epochs:
        loss = mse_loss(predict(x, w, b), y)
        losses.append(loss.item())
        loss.backward()
        sgd_step([w, b], lr)
        zero_grads([w, b])
    return w, b, losses


def train_clearing_first(x, y, lr=0.01, epochs=100):
    """The same, clearing the gradients at the start of each epoch (before any backward)."""
    w, b = (x.new_zeros(()).requires_grad_() for _ in range(2))
    losses = []
    for _ in range(epochs):
        zero_grads([w, b])
        loss = mse_loss(predict(x, w, b), y)
        losses.append(loss.item())
        loss.backward()
        sgd_step([w, b], lr)
    return w, b, losses
