"""`deescalate model train`, `model info` and `eval --model/--cv`, run as a user runs them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from deescalate.analysis.learned.train import TrainOptions
from tests.analysis.tiny_corpus import write_tiny_corpus
from tests.cli.test_cli_convert import assert_one_line_error, run

VERSION = TrainOptions().version  # what `model train` writes without --version


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_corpus(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="module")
def model(tiny: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model") / "tiny-model.npz"
    result = run("model", "train", tiny, "-o", out, "--folds", "2")
    assert result.returncode == 0, result.stderr
    return out


def test_cli_model_train_writes_the_model_and_its_card(model: Path) -> None:
    card = model.with_name("tiny-model.card.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    assert digest in card and "## Limits" in card


def test_cli_model_train_twice_gives_the_same_bytes(tiny: Path, model: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.npz"
    assert run("model", "train", tiny, "-o", again, "--folds", "2").returncode == 0
    assert again.read_bytes() == model.read_bytes()


def test_cli_model_info_prints_the_card(model: Path) -> None:
    result = run("model", "info", model)
    assert result.returncode == 0, result.stderr
    assert f"Model card: deescalate-model v{VERSION}" in result.stdout and "| command |" in result.stdout


def test_cli_model_train_with_extra_compares_old_and_new(tiny: Path, model: Path, tmp_path: Path) -> None:
    extra = write_tiny_corpus(tmp_path / "agency")
    result = run(
        "model", "train", tiny / "wa", "-o", tmp_path / "new.npz", "--extra", extra, "--base", model, "--folds", "2"
    )
    assert result.returncode == 0, result.stderr
    assert "held back" in result.stderr
    assert f"old (deescalate-model v{VERSION}" in result.stdout and "against new" in result.stdout
    assert "macro F1" in result.stdout


def test_cli_eval_with_a_model_file_and_rules_alone(tiny: Path, model: Path) -> None:
    with_model = json.loads(run("eval", tiny, "--model", str(model), "--json").stdout)
    rules = json.loads(run("eval", tiny, "--model", "none", "--json").stdout)
    assert with_model["model"].startswith(f"deescalate-model v{VERSION}") and rules["model"] is None
    assert with_model["encounters"] == rules["encounters"] == 5


def test_cli_eval_leave_one_writer_out(tiny: Path) -> None:
    result = run("eval", tiny, "--cv", "writer", "--variants", "rules,combined", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data["overall"]) == {"rules", "combined"}
    assert set(data["by_writer"]) == {"wa", "wb", "wc"}
    assert data["by_writer"]["wb"]["style"] == "style-wb"


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("model", "train", "no-such-folder"), "no-such-folder"),
        (("model", "info", "no-such-model.npz"), "no-such-model.npz"),
        (("eval", "tests", "--model", "no-such-model.npz"), "no-such-model.npz"),
    ],
    ids=["train-missing-corpus", "info-missing-model", "eval-missing-model"],
)
def test_cli_model_bad_input_is_one_line(args: tuple[str, ...], problem: str) -> None:
    assert_one_line_error(run(*args), problem)


def test_cli_eval_cv_needs_two_writers(tiny: Path) -> None:
    assert_one_line_error(run("eval", tiny / "wa", "--cv", "writer"), "wa")
