"""The digits lesson's corpus of student mistakes (as tests/corpus.py is the first
lesson's): each a small rewrite of solutions/digits/, the functions it must cost points,
and the misconception its feedback must name. tests/test_digits.py holds the grader to it;
`python bench/mistakes.py --lesson digits` prints how much of it the checks catch and name.
A method's body is named "Class.method"; the function graded is the class."""

from tests.corpus import Mistake

STEP = "train_step"
CHAIN = {"train_step", "train_epoch", "fit"}  # fit and train_epoch call train_step

RAW = {
    "to_tensors forgets to scale the gray levels": (
        {"to_tensors": """
            x = torch.as_tensor(images, dtype=torch.float32).reshape(len(images), -1)
            return x, torch.as_tensor(labels, dtype=torch.int64)
        """},
        {"to_tensors"}, "not_scaled",
    ),
    "to_tensors makes float labels": (
        {"to_tensors": """
            x = torch.as_tensor(images, dtype=torch.float32).reshape(len(images), -1) / 16
            return x, torch.as_tensor(labels, dtype=torch.float32)
        """},
        {"to_tensors"}, "float_labels",
    ),
    "to_tensors makes one-hot labels": (
        {"to_tensors": """
            x = torch.as_tensor(images, dtype=torch.float32).reshape(len(images), -1) / 16
            return x, torch.nn.functional.one_hot(torch.as_tensor(labels, dtype=torch.int64), 10)
        """},
        {"to_tensors"}, "one_hot_labels",
    ),
    "to_tensors keeps the 8x8 shape": (
        {"to_tensors": """
            return torch.as_tensor(images, dtype=torch.float32) / 16, torch.as_tensor(labels, dtype=torch.int64)
        """},
        {"to_tensors"}, "not_flattened",
    ),
    "DigitNet applies softmax before CrossEntropyLoss": (
        {"DigitNet.forward": "return torch.softmax(self.output(torch.relu(self.hidden(x))), dim=1)"},
        {"DigitNet", "fit"}, "softmax_before_cross_entropy",
    ),
    "DigitNet creates the output layer first": (
        {"DigitNet.__init__": """
            self.output = nn.Linear(hidden, 10)
            self.hidden = nn.Linear(64, hidden)
        """},
        {"DigitNet", "fit"}, "layers_out_of_order",
    ),
    "DigitNet forgets the ReLU": (
        {"DigitNet.forward": "return self.output(self.hidden(x))"},
        {"DigitNet", "fit"}, "missing_relu",
    ),
    "train_step never zeroes the gradients": (
        {STEP: """
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            return loss.item()
        """},
        CHAIN, "forgot_zero_grad",
    ),
    "train_step applies softmax before the loss": (
        {STEP: """
            optimizer.zero_grad()
            loss = loss_fn(torch.softmax(model(x), dim=1), y)
            loss.backward()
            optimizer.step()
            return loss.item()
        """},
        CHAIN, "softmax_before_cross_entropy",
    ),
    "train_step takes loss.item() before backward": (
        {STEP: """
            optimizer.zero_grad()
            loss = loss_fn(model(x), y).item()
            loss.backward()
            optimizer.step()
            return loss
        """},
        CHAIN, "item_before_backward",
    ),
    "train_step forgets optimizer.step()": (
        {STEP: """
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            return loss.item()
        """},
        CHAIN, "missed_step",
    ),
    "train_step zeroes the gradients between backward and step": (
        {STEP: """
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.zero_grad()
            optimizer.step()
            return loss.item()
        """},
        CHAIN, "missed_step",
    ),
    "train_step returns the loss tensor": (
        {STEP: """
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            return loss.detach()
        """},
        CHAIN, "loss_as_tensor",
    ),
    "train_epoch forgets model.train()": (
        {"train_epoch": """
            losses = [train_step(model, x, y, optimizer, loss_fn) for x, y in loader]
            return sum(losses) / len(losses)
        """},
        {"train_epoch"}, "trained_in_eval_mode",
    ),
    "train_epoch returns the sum of the losses": (
        {"train_epoch": """
            model.train()
            return sum(train_step(model, x, y, optimizer, loss_fn) for x, y in loader)
        """},
        {"train_epoch", "fit"}, "epoch_sum_not_mean",
    ),
    "train_epoch returns the last batch's loss": (
        {"train_epoch": """
            model.train()
            for x, y in loader:
                loss = train_step(model, x, y, optimizer, loss_fn)
            return loss
        """},
        {"train_epoch", "fit"}, "epoch_last_loss",
    ),
    "accuracy counts instead of dividing": (
        {"accuracy": "return (logits.argmax(dim=1) == y).sum().item()"},
        {"accuracy", "evaluate", "fit"}, "accuracy_as_count",
    ),
    "accuracy takes the argmax over the rows": (
        {"accuracy": "return (logits.argmax(dim=0) == y).float().mean().item()"},
        {"accuracy", "evaluate", "fit"}, "argmax_wrong_dim",
    ),
    "accuracy returns a tensor": (
        {"accuracy": "return (logits.argmax(dim=1) == y).float().mean()"},
        {"accuracy", "evaluate", "fit"}, "tensor_not_float",
    ),
    "evaluate forgets model.eval()": (
        {"evaluate": """
            with torch.no_grad():
                return accuracy(model(x), y)
        """},
        {"evaluate"}, "eval_in_train_mode",
    ),
    "evaluate records gradients": (
        {"evaluate": """
            model.eval()
            return accuracy(model(x), y)
        """},
        {"evaluate"}, "eval_with_grad",
    ),
    "predict returns the logits": (
        {"predict": """
            model.eval()
            with torch.no_grad():
                return model(x)
        """},
        {"predict"}, "logits_not_labels",
    ),
    "predict takes the argmax over the rows": (
        {"predict": """
            model.eval()
            with torch.no_grad():
                return model(x).argmax(dim=0)
        """},
        {"predict"}, "argmax_wrong_dim",
    ),
    "predict forgets model.eval()": (
        {"predict": """
            with torch.no_grad():
                return model(x).argmax(dim=1)
        """},
        {"predict"}, "eval_in_train_mode",
    ),
    "fit trains on the test split": (
        {"fit": """
            torch.manual_seed(seed)
            model = DigitNet(hidden).to(x_train.device)
            optimizer = torch.optim.SGD(model.parameters(), lr=lr)
            loss_fn = nn.CrossEntropyLoss()
            loader = make_loader(x_test, y_test, seed=seed)
            losses = [train_epoch(model, loader, optimizer, loss_fn) for _ in range(epochs)]
            return model, losses, evaluate(model, x_test, y_test)
        """},
        {"fit"}, "trained_on_test",
    ),
    "plot_predictions shows the figure instead of returning it": (
        {"plot_predictions": """
            count = min(10, len(images))
            figure = Figure(figsize=(2 * count, 2.4))
            for index, axes in enumerate(figure.subplots(1, count, squeeze=False)[0]):
                axes.imshow(images[index].detach().cpu().reshape(8, 8), cmap="gray_r")
                axes.set_title(str(int(predicted[index])))
        """},
        {"plot_predictions"}, "no_figure",
    ),
    "plot_predictions titles the images with their true labels": (
        {"plot_predictions": """
            count = min(10, len(images))
            figure = Figure(figsize=(2 * count, 2.4))
            for index, axes in enumerate(figure.subplots(1, count, squeeze=False)[0]):
                axes.imshow(images[index].detach().cpu().reshape(8, 8), cmap="gray_r")
                axes.set_title(str(int(labels[index])))
            return figure
        """},
        {"plot_predictions"}, "prediction_not_in_title",
    ),
    "plot_predictions draws no images": (
        {"plot_predictions": """
            figure = Figure()
            axes = figure.subplots()
            axes.bar(range(len(predicted)), predicted.detach().cpu())
            return figure
        """},
        {"plot_predictions"}, "images_not_shown",
    ),
}
MISTAKES = {name: Mistake(*entry) for name, entry in RAW.items()}

CORRECT_VARIANTS = {
    "to_tensors with torch.tensor and view": {"to_tensors": """
        x = torch.tensor(images, dtype=torch.float32).view(len(images), 64).div(16)
        return x, torch.tensor(labels).long()
    """},
    "DigitNet with nn.functional.relu": {"DigitNet.forward": """
        hidden = nn.functional.relu(self.hidden(x))
        return self.output(hidden)
    """},
    "train_step zeroing with set_to_none=False": {STEP: """
        optimizer.zero_grad(set_to_none=False)
        logits = model(x)
        loss = loss_fn(logits, y)
        loss.backward()
        optimizer.step()
        return float(loss)
    """},
    "accuracy with a sum and a division": {"accuracy": """
        right = (logits.argmax(1) == y).sum().item()
        return right / len(y)
    """},
    "evaluate under torch.inference_mode": {"evaluate": """
        model.eval()
        with torch.inference_mode():
            logits = model(x)
        return accuracy(logits, y)
    """},
}
