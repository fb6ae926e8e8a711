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

_TASK6 = '''"""Task 6: a Neuron with Synapses."""

import math

import pytest

from ..engine import Value
from ..nn import Neuron


def test_neuron_weighted_input_bias_and_activation():
    neuron = Neuron(2, "tanh")
    w1, w2, b = neuron.parameters()
    w1.data, w2.data, b.data = {a}, {b}, {k}
    x = Value({b})
    out = neuron([x, 1.5])
    assert neuron.z.data == pytest.approx({a} * {b} + {b} * 1.5 + {k})
    assert out.data == pytest.approx(math.tanh({a} * {b} + {b} * 1.5 + {k}))
    out.backward()
    slope = 1 - out.data**2
    assert b.grad == pytest.approx(slope)
    assert w1.grad == pytest.approx(slope * {b}) and x.grad == pytest.approx(slope * {a})
    assert [s.weight for s in neuron.synapses] == [w1, w2]
'''

_TASK7 = '''"""Task 7: Layer, MLP and parameters()."""

from ..nn import MLP


def test_parameters_and_outputs():
    model = MLP(2, [3, 2])
    assert len(model.parameters()) == 3 * 3 + 2 * 4
    for p in model.parameters():
        p.data = {a}
    out = model([1.0, -1.0])
    assert isinstance(out, list) and len(out) == 2
    out[0].backward()
    assert model.parameters()[-1].grad == 0.0  # the second output's bias
    assert model.parameters()[-5].grad == 1.0  # the first output's bias: linear last layer
'''

_TASK8 = '''"""Task 8: two losses and SGD, trained on moons."""

import pytest

from ..engine import Value
from ..nn import MLP
from ..train import hinge, mse, sgd_step, train


def test_mse_and_one_step():
    p = Value({a})
    loss = mse([p * 2.0, p], [1.0, -1.0])
    assert loss.data == pytest.approx((({a} * 2 - 1) ** 2 + ({a} + 1) ** 2) / 2)
    loss.backward()
    grad = p.grad
    sgd_step([p], 0.1)
    assert p.data == pytest.approx({a} - 0.1 * grad)


def test_hinge_values_and_grads():
    right, wrong, other = Value({p1}), Value({b}), Value({k})
    loss = hinge([right, wrong, other], [1.0, 1.0, -1.0])
    # margins y·p: {p1} (beyond 1: adds 0), {b} and -{k} (each adds 1 - y·p)
    assert loss.data == pytest.approx({hinge})
    loss.backward()
    assert [right.grad, wrong.grad, other.grad] == pytest.approx([0.0, -1 / 3, 1 / 3])


def test_train_lowers_the_loss():
    model = MLP(2, [4, 1])
    xs, ys = [[1.0, 0.5], [-1.0, -0.5], [0.5, -1.0]], [1.0, -1.0, 1.0]
    losses = train(model, xs, ys, 30, 0.1)
    assert len(losses) == 30 and losses[-1] < losses[0] / 2


def test_train_with_hinge_learns_moons():
    from nnscalar.data import moons  # the points the hidden check draws come from here too

    xs, ys = moons(40, noise=0.1, seed=4)
    test_xs, test_ys = moons(100, noise=0.1, seed=5)
    model = MLP(2, [8, 1])
    losses = train(model, xs, ys, 150, 2.0, loss=hinge)
    assert len(losses) == 150 and losses[-1] < losses[0]
    right = sum((model(x)[0].data > 0) == (y > 0) for x, y in zip(test_xs, test_ys))
    assert right >= 90, f"{{right}} of 100 held-out points right; at least 90 needed"
'''

_TASK9 = '''"""Task 9: gradient accumulation."""

import pytest

from ..engine import zero_grad
from ..nn import MLP
from ..train import accumulate_gradients, mse


def test_three_mini_batches_give_the_full_batch_gradient():
    model = MLP(2, [3, 1])
    xs = [[{a}, 1.0], [0.5, {b}], [-1.0, 0.2], [0.3, 0.3], [1.2, -0.7]]
    ys = [1.0, -1.0, 1.0, -1.0, 1.0]
    mse([model(x)[0] for x in xs], ys).backward()
    full = [p.grad for p in model.parameters()]
    zero_grad(model.parameters())
    accumulate_gradients(model, xs, ys, 3)  # mini-batches of 2, 2 and 1 samples
    assert [p.grad for p in model.parameters()] == pytest.approx(full)
'''

_TASK10 = '''"""Task 10: a finite-difference gradient check."""

import pytest

from ..engine import Value
from ..gradcheck import gradient_check, numerical_gradient


def f(values):
    a, b = values
    return (a * b + a).tanh() * b


def test_numerical_gradient_matches_backward():
    a, b = Value({a}), Value({b})
    f([a, b]).backward()
    numeric = numerical_gradient(f, [Value({a}), Value({b})])
    assert numeric == pytest.approx([a.grad, b.grad], rel=1e-5)
    assert gradient_check(f, [Value({a}), Value({b})]) is True


def test_a_wrong_local_derivative_is_caught():
    def square(values):
        x = values[0]
        return Value(x.data**2, (x,), "square", (x.data,))  # should be 2x

    assert gradient_check(square, [Value({k})]) is False
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
    p1 = a + 1.0
    texts["test_task8.py"] = _TASK8.format(**n, p1=p1, hinge=((1 - b) + (1 + k)) / 3)
    for number, text in ((6, _TASK6), (7, _TASK7), (9, _TASK9), (10, _TASK10)):
        texts[f"test_task{number}.py"] = text.format(**n)
    texts["__init__.py"] = ""
    return texts
