"""Every sentence the grader says, in English and Chinese, in one catalog."""

import locale
import os

LANGUAGES = ("en", "zh")

MESSAGES: dict[str, tuple[str, str]] = {
    # what went wrong
    "not_a_tensor": ("expected a torch.Tensor, got {got}", "应返回 torch.Tensor,实际得到 {got}"),
    "not_a_float": ("expected a Python float, got {got}", "应返回 Python 浮点数,实际得到 {got}"),
    "not_a_sequence": (
        "expected {expected} values (a tuple or list), got {got}",
        "应返回 {expected} 个值(元组或列表),实际得到 {got}",
    ),
    "wrong_length": ("expected {expected} values, got {got}", "应有 {expected} 个值,实际有 {got} 个"),
    "wrong_shape": ("expected shape {expected}, got shape {got}", "形状应为 {expected},实际为 {got}"),
    "wrong_dtype": ("expected dtype {expected}, got {got}", "数据类型应为 {expected},实际为 {got}"),
    "wrong_device": (
        "expected the result on {expected}, got it on {got}",
        "结果应在 {expected} 上,实际在 {got} 上",
    ),
    "wrong_values": ("expected {expected}, got {got}", "应得到 {expected},实际得到 {got}"),
    "not_updated_in_place": (
        "the parameters passed in still hold {got}; expected {expected} after the step",
        "传入的参数仍然是 {got};更新后应为 {expected}",
    ),
    "graph_recorded": (
        "after the step a parameter is no longer a leaf that requires grad (the update was recorded in the graph)",
        "更新后参数不再是需要梯度的叶子张量(更新操作被记录进了计算图)",
    ),
    "grad_not_cleared": (
        "after zero_grads the gradients are still {got}; expected zeros or None",
        "调用 zero_grads 后梯度仍是 {got};应为全零或 None",
    ),
    "not_differentiable": (
        "the loss is not attached to the graph, so backward cannot reach y_pred",
        "损失没有连在计算图上,backward 无法传到 y_pred",
    ),
    "wrong_loss_grad": (
        "the gradient of your loss with respect to y_pred is {got}; expected {expected}",
        "你的损失对 y_pred 的梯度是 {got};应为 {expected}",
    ),
    "not_a_figure": ("expected a matplotlib Figure, got {got}", "应返回 matplotlib Figure,实际得到 {got}"),
    "wrong_axes_count": ("expected 2 axes, got {got}", "应有 2 个坐标轴,实际有 {got} 个"),
    "no_data_scatter": (
        "no axes shows the {expected} data points as a scatter",
        "没有坐标轴用散点图画出 {expected} 个数据点",
    ),
    "no_fitted_line": (
        "the axes with the data has no line along y = {expected}",
        "画数据的坐标轴上没有沿 y = {expected} 的直线",
    ),
    "no_loss_curve": (
        "the other axes has no line through the {expected} losses",
        "另一个坐标轴上没有经过 {expected} 个损失值的曲线",
    ),
    # could not run
    "not_implemented": ("not implemented yet", "尚未实现"),
    "raised": ("raised {type}: {message}", "抛出了 {type}:{message}"),
    "missing_function": ("{function} is missing from {module}.py", "{module}.py 中缺少 {function}"),
    "missing_module": ("{module}.py was not found", "找不到 {module}.py"),
    "import_failed": (
        "{module}.py could not be imported: {reason}",
        "无法导入 {module}.py:{reason}",
    ),
    "timeout": (
        "did not finish within {seconds:g} s (an endless loop?)",
        "{seconds:g} 秒内没有结束(死循环?)",
    ),
    "skipped_after_timeout": (
        "not run: an earlier check of {function} did not finish in time",
        "未运行:{function} 之前的检查没有按时结束",
    ),
    "exited": (
        "the process exited before returning (sys.exit or os._exit?)",
        "进程在返回之前退出了(调用了 sys.exit 或 os._exit?)",
    ),
    "killed": ("the process was killed (out of memory?)", "进程被终止了(内存不足?)"),
    "cpu_limit": ("used up its CPU time", "用完了 CPU 时间"),
    "memory": ("ran out of memory (the limit is {limit})", "内存不足(上限为 {limit})"),
    "output_flood": (
        "printed more than {limit} of output",
        "输出超过了 {limit}",
    ),
    "oversized": ("returned more data than the grader accepts", "返回的数据超过了评分器的上限"),
    "unsendable": ("returned a value the grader cannot read back", "返回了评分器无法读取的值"),
    "unreadable": ("sent data the grader cannot read", "发送了评分器无法读取的数据"),
    "worker_lost": ("the grading worker stopped unexpectedly", "评分进程意外停止"),
    "crashed": ("the process crashed ({signal})", "进程崩溃了({signal})"),
    # report
    "hint": ("Hint: {hint}", "提示:{hint}"),
    "likely": ("Likely: {misconception}", "可能的原因:{misconception}"),
    "depends_on": (
        "{function} calls {helpers}, which did not pass: fix those first",
        "{function} 调用了 {helpers},它们还没有通过:请先修正它们",
    ),
    "total": ("Total", "总分"),
    "function": ("Function", "函数"),
    "points": ("Points", "得分"),
    "feedback": ("Feedback", "反馈"),
    "all_passed": ("all checks passed", "全部通过"),
    "cuda_skipped": (
        "CUDA checks skipped: torch sees no CUDA device",
        "已跳过 CUDA 检查:torch 没有检测到 CUDA 设备",
    ),
    "process_isolation": (
        "bubblewrap (bwrap) not found: student code runs with process isolation and resource limits only, and could read files such as solutions/",
        "未找到 bubblewrap (bwrap):学生代码只在独立进程中运行并受资源限制,可能读取 solutions/ 等文件",
    ),
    "magics_dropped": (
        "{module}: {count} line(s) of IPython magics or shell escapes (%, !) were left out: they are not Python",
        "{module}:{count} 行 IPython 魔法命令或 shell 转义(%、!)被忽略:它们不是 Python 代码",
    ),
    "class_report": ("Class report", "班级报告"),
    "class_size": ("{count} students", "{count} 名学生"),
    "frequent_misconceptions": ("Most frequent misconceptions", "最常见的错误理解"),
    "misconception": ("misconception", "错误理解"),
    "students": ("students", "学生数"),
    "student": ("student", "学生"),
    "time": ("time", "用时"),
    "crashes": ("crashes", "崩溃"),
    "slowest": ("Slowest submissions", "最慢的提交"),
    "crashed_list": ("Crashed submissions", "崩溃的提交"),
    "all_students": ("All students", "全部学生"),
    "seed": ("seed {seed} (replay with --seed {seed})", "随机种子 {seed}(用 --seed {seed} 重现)"),
    "progress": ("{done}/{total} functions done", "已完成 {done}/{total} 个函数"),
    "all_done": (
        "All functions done: full marks! See your plots with: python -m grader check --html page.html",
        "全部完成:满分!查看你的图:python -m grader check --html page.html",
    ),
    "more_hints": (
        "More help: python -m grader hint {function} --level 2",
        "更多帮助:python -m grader hint {function} --level 2",
    ),
    "watching": ("Watching for saves… (Ctrl-C to stop)", "正在等待保存……(按 Ctrl-C 退出)"),
    "bye": ("Stopped watching.", "已停止。"),
    "hint_level": ("Hint {level}/3 for {function}: {hint}", "{function} 的提示 {level}/3:{hint}"),
    "student_output": ("Output of your code", "你的代码的输出"),
}

MISCONCEPTIONS: dict[str, tuple[str, str]] = {
    "tutorial_13": (
        "the tutorial prints dz/dy = 13, but dz/dy = x² + 2y = 4 + 6 = 10; trust autograd, not the printout",
        "教程打印 dz/dy = 13,但 dz/dy = x² + 2y = 4 + 6 = 10;相信 autograd,而不是那段输出",
    ),
    "returned_function_value": (
        "you returned y itself, not its derivative: the gradient is in x.grad after y.backward()",
        "你返回的是 y 本身而不是导数:调用 y.backward() 后梯度在 x.grad 里",
    ),
    "grad_of_non_leaf": (
        "x.grad is None: autograd only fills .grad of a leaf tensor created with requires_grad=True",
        "x.grad 是 None:autograd 只会填充 requires_grad=True 的叶子张量的 .grad",
    ),
    "python_number": (
        "you returned a Python number (.item()?); return the tensor itself",
        "你返回了 Python 数字(用了 .item()?);请直接返回张量",
    ),
    "swapped": ("the two results are in the wrong order", "两个结果的顺序反了"),
    "used_autograd": (
        "this must work with autograd switched off: write the formula instead of calling backward",
        "这个函数必须在关闭 autograd 时也能工作:直接写出公式,不要调用 backward",
    ),
    "missing_constant": (
        "a term is missing: the derivative of 3x is 3",
        "少了一项:3x 的导数是 3",
    ),
    "flattened_column": (
        "the column was flattened to shape (N,); mse_loss would then broadcast (N,) against (N, 1) into an (N, N) matrix",
        "列向量被展平成了 (N,);这样 mse_loss 会把 (N,) 与 (N, 1) 广播成 (N, N) 矩阵",
    ),
    "sum_not_mean": (
        "a sum instead of a mean: the result is N times too large",
        "用了求和而不是平均:结果大了 N 倍",
    ),
    "missing_square": ("the differences are not squared", "差值没有平方"),
    "root_mean_square": (
        "you took the square root (RMSE); the lesson's loss is the mean squared error",
        "你开了平方根(RMSE);本课的损失是均方误差",
    ),
    "broadcast_to_matrix": (
        "(N,) against (N, 1) broadcast to an (N, N) matrix of differences",
        "(N,) 与 (N, 1) 被广播成了 (N, N) 的差值矩阵",
    ),
    "detached_loss": (
        "the loss was turned into a number or detached (.item(), float(), .detach()), so autograd cannot differentiate it",
        "损失被转成了数字或被分离(.item()、float()、.detach()),autograd 无法对它求导",
    ),
    "missing_factor_2": (
        "the factor 2 from differentiating the square is missing",
        "少了对平方求导带来的因子 2",
    ),
    "sign_flipped": ("the sign is flipped: the error is w*x + b - y, not y - (w*x + b)", "符号反了:误差是 w*x + b - y,不是 y - (w*x + b)"),
    "rebinding": (
        "p = p - lr * p.grad only makes a new tensor named p; the parameter itself is unchanged: update in place (p -= ..., p.sub_(...))",
        "p = p - lr * p.grad 只是创建了一个叫 p 的新张量,参数本身没变:请原地更新(p -= ...、p.sub_(...))",
    ),
    "update_outside_no_grad": (
        "an in-place update of a leaf that requires grad must happen inside torch.no_grad()",
        "对需要梯度的叶子张量做原地更新,必须放在 torch.no_grad() 里",
    ),
    "gradient_ascent": (
        "the step goes up the gradient: subtract lr * p.grad, do not add it",
        "更新方向反了:应减去 lr * p.grad,而不是加上",
    ),
    "ignores_lr": ("the learning rate lr is not used", "没有使用学习率 lr"),
    "grad_accumulates": (
        "the gradients were never cleared, so each backward added to the old ones",
        "梯度从未清空,每次 backward 都累加到旧梯度上",
    ),
    "losses_after_update": (
        "the losses were recorded after the update; record each loss before sgd_step",
        "损失是在更新之后记录的;请在 sgd_step 之前记录",
    ),
    "ignores_epochs": ("the epochs argument is not used", "没有使用 epochs 参数"),
    "figure_not_returned": (
        "plot_fit must return the Figure (plt.show() alone returns None)",
        "plot_fit 必须返回 Figure(只调用 plt.show() 会返回 None)",
    ),
    "out_of_memory": ("the code allocates far more memory than this task needs", "代码分配的内存远超本题需要"),
}


def default_language() -> str:
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := os.environ.get(variable):
            return "zh" if value.lower().startswith("zh") else "en"
    language = locale.getlocale()[0] or ""
    return "zh" if language.lower().startswith("zh") else "en"


def say(key: str, lang: str, /, **params: object) -> str:
    template = MESSAGES[key][LANGUAGES.index(lang)]
    try:
        return template.format(**params)
    except (KeyError, ValueError, IndexError):
        return template


def explain(misconception: str, lang: str) -> str:
    return MISCONCEPTIONS[misconception][LANGUAGES.index(lang)]

CLAIMS_ZH: dict[str, str] = {
    "gives dy/dx = 7 at x = 2, as in the tutorial": "在 x = 2 处给出 dy/dx = 7,与教程一致",
    "gives (dz/dx, dz/dy) = (12, 10) at x = 2, y = 3": "在 x = 2、y = 3 处给出 (dz/dx, dz/dy) = (12, 10)",
    "gives 2x + 3 at x = [0, 1, 2] with autograd off": "关闭 autograd 时在 x = [0, 1, 2] 处给出 2x + 3",
    "gives w*x + b as an (N, 1) column for the lesson's x, w = 2, b = 1": "对课程的 x、w = 2、b = 1 给出 (N, 1) 列向量 w*x + b",
    "gives 5/3 for predictions [1, 2, 3] against targets [1, 1, 1]": "预测 [1, 2, 3]、目标 [1, 1, 1] 时给出 5/3",
    "gives (-26/3, -6) for x = [0, 1, 2], y = [1, 3, 5] at w = b = 0, autograd off": "关闭 autograd 时,x = [0, 1, 2]、y = [1, 3, 5]、w = b = 0 给出 (-26/3, -6)",
    "updates w and b in place (w = 1, b = 2, grads 0.5 and -1, lr = 0.1)": "原地更新 w 和 b(w = 1、b = 2,梯度 0.5 和 -1,lr = 0.1)",
    "clears the gradients, so the next backward does not add to them": "清空梯度,下一次 backward 不会累加",
    "reaches w ≈ 2.067, b ≈ 0.656 on the lesson's data (100 epochs, lr 0.01)": "在课程数据上得到 w ≈ 2.067、b ≈ 0.656(100 个 epoch,lr 0.01)",
    "returns 100 losses as Python floats, each taken before its update": "返回 100 个 Python 浮点数损失,每个都在更新之前记录",
    "draws the data, the fitted line and the loss curve on two axes": "在两个坐标轴上画出数据、拟合直线和损失曲线",
    "matches autograd at random points": "在随机点上与 autograd 一致",
    "accepts a plain Python float": "接受普通的 Python 浮点数",
    "matches autograd on random tensors of several shapes, autograd off": "关闭 autograd 时,在多种形状的随机张量上与 autograd 一致",
    "matches the reference for random x, w, b, keeping x's shape": "在随机的 x、w、b 上与参考答案一致,并保持 x 的形状",
    "matches the reference on random predictions and targets": "在随机的预测和目标上与参考答案一致",
    "returns a 0-d tensor that autograd can differentiate": "返回 autograd 可以求导的 0 维张量",
    "matches autograd on random data and parameters, autograd off": "关闭 autograd 时,在随机数据和参数上与 autograd 一致",
    "matches p - lr * p.grad for random parameters of several shapes": "在多种形状的随机参数上与 p - lr * p.grad 一致",
    "clears the gradients of random parameters of several shapes": "清空多种形状的随机参数的梯度",
    "follows the reference for random data, learning rate and number of epochs": "在随机的数据、学习率和 epoch 数下与参考答案的训练过程一致",
    "draws random data, its fitted line and its loss curve": "画出随机数据、拟合直线和损失曲线",
}


def claim(text: str, lang: str) -> str:
    """A check's claim in `lang` (the English text is also its stable name)."""
    return CLAIMS_ZH[text] if lang == "zh" else text
