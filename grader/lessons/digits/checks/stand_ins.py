"""Stand-ins for the digits lesson: each written from its docstring alone, in another form
than the reference's. The public checks expect what they give; the blame re-run sends them
into the student's child to find which helper breaks a function that calls it. Each imports
what it needs itself: it runs among the student's module's names."""


def to_tensors(images, labels):
    import torch

    x = torch.as_tensor(images, dtype=torch.float64).flatten(1).float().div(16.0)
    return x, torch.as_tensor(labels).long()


def DigitNet(hidden=32):  # the class's name: a factory of the same module
    import torch

    model = torch.nn.Module()
    model.hidden = torch.nn.Linear(64, hidden)
    model.output = torch.nn.Linear(hidden, 10)
    model.forward = lambda x: model.output(model.hidden(x).clamp(min=0))
    return model


def train_step(model, x, y, optimizer, loss_fn):
    for p in model.parameters():
        p.grad = None
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return float(loss.detach())


def train_epoch(model, loader, optimizer, loss_fn):
    model.train()
    total, count = 0.0, 0
    for x, y in loader:
        total += train_step(model, x, y, optimizer, loss_fn)
        count += 1
    return total / count


def accuracy(logits, y):
    return float((logits.max(dim=1).indices == y).sum()) / len(y)


def evaluate(model, x, y):
    import torch

    model.train(False)
    with torch.inference_mode():
        return accuracy(model(x), y)


def predict(model, x):
    import torch

    model.train(False)
    with torch.inference_mode():
        return model(x).max(dim=1).indices


def fit(x_train, y_train, x_test, y_test, hidden=32, lr=0.1, epochs=10, seed=0):
    import torch

    torch.manual_seed(seed)
    model = DigitNet(hidden).to(x_train.device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loader = make_loader(x_train, y_train, seed=seed)  # noqa: F821 (given in the student's module)
    losses = []
    for _ in range(epochs):
        losses.append(train_epoch(model, loader, optimizer, torch.nn.CrossEntropyLoss()))
    return model, losses, evaluate(model, x_test, y_test)
