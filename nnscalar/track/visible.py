"""The visible tests written into the student's package, with numbers from the student's seed."""

from __future__ import annotations

import math
import random

__all__ = ["visible_tests"]

_TASK1 = '''"""Task 1: Value, + and * (run: python -m pytest {folder}/tests)."""

import pytest

from ..engine import Value


def test_add_and_mul_record_data_parents_and_op():
    a, b = Value({a}), Value({b})
    c = a * b + a
    assert c.data == pytest.approx({c})
    assert c.op == "+" and c.parents[1] is a
    product = c.parents[0]
    assert product.op == "*" and product.parents == (a, b)


def test_a_number_on_either_side_becomes_a_leaf():
    a = Value({a})
    d = {k} + a
    assert d.data == pytest.approx({d})
    assert d.parents[1] is a and d.parents[0].data == {k} and d.parents[0].op == ""
    e = a * a
    assert e.parents == (a, a)
'''

_TASK2 = '''"""Task 2: more ops and their local derivatives."""

import pytest

from ..engine import Value


def test_division_records_both_local_derivatives():
    a, b = Value({a}), Value({b})
    q = a / b
    assert q.data == pytest.approx({q})
    assert q.local_grads == pytest.approx(({dqa}, {dqb}))


def test_tanh_derivative_uses_the_result():
    t = Value({a}).tanh()
    assert t.data == pytest.approx({t})
    assert t.local_grads == pytest.approx(({dt},))


def test_power_exp_relu_and_minus():
    a = Value({a})
    assert (a ** 3).local_grads == pytest.approx(({dp},))
    assert a.exp().local_grads == pytest.approx(({e},))
    assert (-a).data == pytest.approx({m}) and ({k} - a).local_grads == pytest.approx((1.0, -1.0))
'''

_TASK3 = '''"""Task 3: topological order without recursion."""

from ..engine import Value, topological_order


def test_shared_node_appears_once_after_its_parents():
    a = Value({a})
    b = a + a
    c = b * b
    order = topological_order(c)
    assert order == [a, b, c]


def test_a_chain_of_100000_nodes():
    x = Value({a})
    y = x
    for _ in range(100_000):
        y = -y
    order = topological_order(y)
    assert len(order) == 100_001 and order[0] is x and order[-1] is y
'''

_TASK4 = '''"""Task 4: backward, the chain rule with +=."""

import pytest

from ..engine import Value


def test_a_node_used_twice_gets_both_shares():
    a = Value({a})
    b = a + a
    c = b * b
    c.backward()
    assert c.grad == 1.0
    assert b.grad == pytest.approx({gb})
    assert a.grad == pytest.approx({ga})


def test_a_neuron():
    w, x, bias = Value({a}), Value({b}), Value({k})
    out = (w * x + bias).tanh()
    out.backward()
    assert w.grad == pytest.approx({gw})
    assert x.grad == pytest.approx({gx})
'''

_TASK5 = '''"""Task 5: leaves accumulate; zero_grad."""

import pytest

from ..engine import Value, zero_grad


def test_leaves_accumulate_and_results_do_not():
    a, b = Value({a}), Value({b})
    c = a * b
    d = c + a
    d.backward()
    d.backward()
    assert a.grad == pytest.approx({ga2})
    assert c.grad == pytest.approx(1.0)


def test_zero_grad():
    a, b = Value({a}), Value({b})
    d = a * b + a
    d.backward()
    zero_grad([a, b])
    assert a.grad == 0.0 and b.grad == 0.0
    d.backward()
    assert a.grad == pytest.approx({ga})
'''


def visible_tests(seed: int, folder: str = "mygrad") -> dict[str, str]:
    """Test files (name → text) for the skeleton's tests/ folder, numbers from `seed`."""
    rng = random.Random(f"build-track/visible/{seed}")
    a = round(rng.uniform(0.3, 1.5), 2)
    b = round(rng.uniform(-2.0, -0.5), 2)
    k = float(rng.randint(2, 5))
    t = math.tanh(a)
    n = {"a": a, "b": b, "k": k, "folder": folder}
    z = math.tanh(a * b + k)
    texts = {
        "test_task1.py": _TASK1.format(**n, c=a * b + a, d=k + a),
        "test_task2.py": _TASK2.format(
            **n,
            q=a / b,
            dqa=1 / b,
            dqb=-a / b**2,
            t=t,
            dt=1 - t * t,
            dp=3 * a * a,
            e=math.exp(a),
            m=-a,
        ),
        "test_task3.py": _TASK3.format(**n),
        "test_task4.py": _TASK4.format(
            **n, gb=2 * (2 * a), ga=2 * 2 * (2 * a), gw=(1 - z * z) * b, gx=(1 - z * z) * a
        ),
        "test_task5.py": _TASK5.format(**n, ga2=2 * (b + 1), ga=b + 1),
    }
    texts["__init__.py"] = ""
    return texts
