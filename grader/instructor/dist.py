"""`python -m grader dist student OUT.zip`: what a student needs, and nothing more: the
exercises, the grader with its public checks, a short README and the requirements; no
solutions, no hidden checks."""

import zipfile
from pathlib import Path

import tomllib

from grader import INSTRUCTORS_ONLY, ROOT

# the hidden checks, and the instructor's tools that need them or the solutions
LEFT_OUT = tuple(name.replace(".", "/") for name in INSTRUCTORS_ONLY)
README = """# Autograd lesson / Autograd 课程

Install / 安装:  pip install -r requirements.txt

Work / 练习:     python -m grader watch          (re-grades every time you save / 每次保存都会重新评分)
Hint / 提示:     python -m grader hint sgd_step --level 2
Check / 检查:    python -m grader check --html page.html   (your plots / 你的图)

Fill in the functions in exercises/: each docstring explains the task in English and Chinese.
请完成 exercises/ 中的函数:每个函数的文档字符串都用中英文说明了任务。
The checks here are the public ones; your instructor also runs hidden checks on random inputs.
这里是公开检查;老师还会用随机输入运行隐藏检查。
"""


def student_zip(target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in student_files():
            archive.write(ROOT / file, file)
        archive.writestr("README.md", README)
        archive.writestr("requirements.txt", "\n".join(requirements()) + "\n")
    return target


def student_files() -> list[str]:
    files = [p for folder in ("exercises", "grader") for p in sorted((ROOT / folder).rglob("*"))]
    kept = [p.relative_to(ROOT).as_posix() for p in files if p.is_file() and p.suffix in (".py", ".toml", ".json")]
    return [name for name in kept if not name.removesuffix(".py").startswith(LEFT_OUT)]


def requirements() -> list[str]:
    """The project's own dependencies (one source: pyproject.toml)."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["dependencies"]
