"""The static scan flags what a grade should be reviewed for, and not what a chapter allows."""

import pytest

from course.scan import MODULES, cell_flags

MLP = MODULES["mlp"]
CH5 = ("mlp.losses", "mlp.gradcheck")  # what chapter 5's answers may use
CH3 = ("mlp.vjps.unbroadcast",)         # one function lent, the rest of mlp.vjps withheld


@pytest.mark.parametrize("code", [
    "loss = mlp.SoftmaxCrossEntropy()\nloss.forward(z, y)",
    "m = mlp.losses.SoftmaxCrossEntropy()",
    "from mlp.losses import SoftmaxCrossEntropy",
    "g = mlp.numerical_gradient(f, p)\ne = mlp.rel_error(g, n)",
])
def test_an_allowed_part_of_the_reference_is_not_flagged(code):
    assert cell_flags(code, CH5) == []
    assert cell_flags(code) == [MLP]  # a chapter that allows nothing flags it


@pytest.mark.parametrize("code", [
    "l = mlp.Linear(3, 4)",
    "from mlp.layers import Linear",
    "import mlp.layers",
    "a = mlp.layers.relu(z)",
    "loss = mlp.SoftmaxCrossEntropy()\nnet = mlp.Sequential()",
])
def test_a_part_the_chapter_withholds_is_flagged(code):
    assert cell_flags(code, CH5) == [MLP]


def test_a_lent_function_is_allowed_and_its_neighbours_are_not():
    assert cell_flags("mlp.vjps.unbroadcast(g, s)", CH3) == []
    assert cell_flags("mlp.vjps.vjp_mul(g, x, y)", CH3) == [MLP]


def test_other_reasons_are_kept_beside_an_allowed_use():
    code = "import os\nloss = mlp.SoftmaxCrossEntropy()\nexec('1')"
    assert cell_flags(code, CH5) == [MODULES["os"], "runs code from a string (exec)"]
