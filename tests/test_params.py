"""Tests of helpers.params: notebook parameters against their rules."""

import pytest

from helpers import ParameterError, check_params, require


def test_check_params_accepts_good_values():
    check_params(dict(n=3, lr=1, name="a", flag=True), n=(int, 1, 5), lr=(float, 0, 2), name=["a", "b"], flag=bool)


@pytest.mark.parametrize("values, rules, message", [
    (dict(num_epochs=-1), dict(num_epochs=(int, 1, 100)), r"num_epochs=-1 \(int\) is not allowed: use int in \[1, 100"),
    (dict(num_epochs=2.5), dict(num_epochs=(int, 1, 100)), r"num_epochs=2.5 \(float\)"),
    (dict(num_epochs=True), dict(num_epochs=(int, 1, 100)), r"num_epochs=True \(bool\)"),
    (dict(lr="fast"), dict(lr=(float, 0, 1)), r"lr='fast' \(str\) is not allowed: use float in \[0, 1\]"),
    (dict(dataset="cifar"), dict(dataset=["digits", "mnist"]), r"dataset='cifar'.*one of 'digits', 'mnist'"),
    (dict(flag=1), dict(flag=bool), r"flag=1 \(int\).*a value of type bool"),
])
def test_check_params_names_the_parameter_and_what_is_allowed(values, rules, message):
    with pytest.raises(ParameterError, match=message) as info:
        check_params(values, **rules)
    assert "parameters cell" in str(info.value)


def test_check_params_wants_a_rule_for_every_value_and_a_value_for_every_rule():
    with pytest.raises(TypeError, match=r"values without rules: \['b'\]"):
        check_params(dict(a=1, b=2), a=int)
    with pytest.raises(TypeError, match=r"rules for \['c'\] but no values"):
        check_params(dict(a=1), a=int, c=int)


def test_require():
    require(True, "never shown")
    with pytest.raises(ParameterError, match="d_model=10 must be divisible by num_heads=3"):
        require(10 % 3 == 0, "d_model=10 must be divisible by num_heads=3")
