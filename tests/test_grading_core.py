"""checks.core and checks.guard: each named mistake is recognised, and right answers pass."""

import numpy as np
import pytest

from checks import core, guard

E = np.arange(1.0, 7.0).reshape(2, 3)


def message(fn, *args, **kwargs):
    with pytest.raises(AssertionError) as info:
        fn(*args, **kwargs)
    return str(info.value)


def test_right_answer_passes():
    core.check_close("dW", E + 1e-12, E)


@pytest.mark.parametrize("got,words", [
    (None, "forget to `return`"),
    (E.T, "transposed"),
    (np.ones((3, 3)), "expected (2, 3), got (3, 3)"),
    (np.tile(E, (4, 1, 1)), "broadcast"),
    (-E, "wrong sign"),
    (E * 5, "N (the batch size) times too large"),
    (E / 5, "N (the batch size) times too small"),
    (E * 2, "twice too large"),
    (E * 3.3, "scaled by 3.3"),
    (E * -3.0, "3 times too large and has the wrong sign"),
    (E[None], "extra axis of length 1"),
    (E.reshape(2, 3, 1), "extra axis of length 1"),
    (E[0], "axis is missing"),
    (np.where(E > 3, np.nan, E), "NaN or inf"),
    (E + np.eye(2, 3), "largest error is 1"),
    ("abc", "should be numbers"),
])
def test_check_close_names_the_mistake(got, words):
    assert words in message(core.check_close, "dW", got, E, factors={"N (the batch size)": 5})


def test_a_scalar_off_by_an_odd_ratio_is_plainly_wrong():
    words = message(core.check_scalar, "loss", -0.667 * 1.5, 1.5)
    assert "wrong number" in words and "times too" not in words and "scaled" not in words
    assert "twice too large" in message(core.check_scalar, "loss", 3.0, 1.5)


def test_a_length_one_axis_missing_or_added():
    col = np.arange(1.0, 5.0).reshape(4, 1)
    assert "axis of length 1 is missing" in message(core.check_close, "g", col.ravel(), col)
    assert "extra axis of length 1" in message(core.check_close, "g", col, col.ravel())
    assert "wrong axis" in message(core.check_close, "db", np.ones(4), np.ones(3))


def test_transposed_wrong_values_still_say_transpose():
    assert "transpose of the expected shape" in message(core.check_close, "dW", E.T + 1, E)


def test_check_unchanged_detects_in_place_change():
    before = E.copy()
    after = E.copy()
    after[0, 0] = 0
    assert "in place" in message(core.check_unchanged, "z", before, after)
    core.check_unchanged("z", before, E.copy())


def test_check_scalar_rejects_arrays():
    assert "single number" in message(core.check_scalar, "loss", np.ones(3), 1.0)
    core.check_scalar("loss", 2.0, 2.0)


def test_check_finite():
    assert "overflowed" in message(core.check_finite, "loss", np.array([1.0, np.inf]))


def test_call_reports_not_implemented():
    def answer():
        raise NotImplementedError()

    assert "not answered yet" in message(guard.call, answer, name="relu")


def test_call_reports_the_students_exception():
    assert "raised ZeroDivisionError" in message(guard.call, lambda: 1 / 0, name="f")


def test_call_names_the_argument_an_answer_modified_in_place():
    def scale_in_place(grad_out, x):
        x *= 2
        return grad_out * x

    g, x = np.ones(3), np.arange(3.0)
    words = message(guard.call, scale_in_place, g, x.copy(), name="f", unchanged=("grad_out", "x"))
    assert "modified its input `x` in place" in words
    # an argument without a name ("" or beyond the names given) is not watched
    assert np.array_equal(guard.call(scale_in_place, g, x.copy(), name="f", unchanged=("grad_out", "")), 2 * x)
    assert np.array_equal(guard.call(scale_in_place, g, x.copy(), name="f", unchanged=("grad_out",)), 2 * x)


def test_call_fails_an_answer_that_calls_the_reference():
    import mlp

    def lazy_answer(x):
        return mlp.ReLU().forward(x)

    words = message(guard.call, lazy_answer, np.ones((1, 2)), name="relu")
    assert "reference implementation" in words and "mlp.layers" in words


def test_call_fails_a_reference_function_bound_to_another_name():
    from mlp.losses import log_softmax as my_log_softmax

    assert "reference" in message(guard.call, my_log_softmax, np.ones((1, 2)))


def test_call_allows_named_reference_pieces():
    import mlp

    def answer(x):
        return mlp.Linear(2, 1, rng=0).forward(x) * 2

    out = guard.call(answer, np.ones((1, 2)), allow=("mlp.layers.Linear",))
    assert out.shape == (1, 1)


def test_call_names_the_reference_even_when_the_reference_fails():
    import mlp

    def answer(node):
        return mlp.topological_sort(node)  # the reference cannot handle this object

    assert "reference implementation" in message(guard.call, answer, object(), name="topological_order")


def test_given_answers_stand_in_for_earlier_exercises_and_are_restored():
    namespace = {"earlier": lambda: "student's"}
    exec("def later():\n    return earlier()\n", namespace)
    later = namespace["later"]
    assert guard.call(later, given={"earlier": lambda: "reference"}) == "reference"
    assert later() == "student's"
    exec("def alone():\n    return missing()\n", namespace)
    assert guard.call(namespace["alone"], given={"missing": lambda: 1}) == 1
    assert "missing" not in namespace
