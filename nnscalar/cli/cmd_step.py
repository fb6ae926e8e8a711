"""`nnscalar step`: backprop by hand, one node at a time, in the terminal or as an HTML page."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ..core import Value, topological_order
from ..errors import ConfigError
from ..expr import parse, parse_assignments, parse_numbers
from ._arguments import (
    add_attention_arguments,
    add_expression_arguments,
    attention_from,
    check_attention_arguments,
)
from .cmd_train import positive

if TYPE_CHECKING:
    from ..nn import MLP

MAX_STEPS = 100  # more backward steps than a learner reads; a model beyond it is refused

EPILOG = """examples:
  nnscalar step "tanh(x1*w1 + x2*w2 + b)" --set x1=2,x2=0,w1=-3,w2=1,b=6.88
  nnscalar step "x*y + x" --set x=3,y=-2 --quiz
  nnscalar step "tanh(x*w + b)" --set x=0.5,w=2,b=-1 --html walk.html
  nnscalar step --model out/demo/model.json --input 0.5,-1 --neuron L1.N1
  nnscalar step --attention emma --position 3 --html head.html
Keys: Enter or n: next step, p: previous, q: quit. --all prints every step at once (the default
when the output is not a terminal)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `step` subcommand."""
    parser = subparsers.add_parser(
        "step",
        help="step through backprop by hand: the chain rule at each node, a quiz, an HTML page",
        description="Show the forward pass, then backward() one node at a time: each local "
        "derivative, the chain rule with numbers and the gradients filling in.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_expression_arguments(parser)
    parser.add_argument("--model", metavar="PATH", help="a model file saved by MLP.save")
    add_attention_arguments(parser, parser)
    parser.add_argument("--input", metavar="X1,X2,...", help="--model: one sample, e.g. 0.5,-1")
    parser.add_argument(
        "--output",
        type=int,
        default=1,
        metavar="K",
        help="--model: which output of a multi-output model (1-based, default 1)",
    )
    parser.add_argument(
        "--neuron",
        metavar="NAME",
        help="--model: step through one neuron only (e.g. L1.N1), its inputs the numbers the "
        "layer before gave on this sample",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help=f"--model: step through a graph of more than {MAX_STEPS} steps anyway",
    )
    parser.add_argument(
        "--fused",
        action="store_true",
        help="--model: keep each neuron's Σwx+b as one node (default: expanded)",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--all", action="store_true", help="print every step at once")
    mode.add_argument(
        "--quiz", action="store_true", help="type each gradient before it is shown; scored"
    )
    mode.add_argument("--html", metavar="PATH", help="write the interactive page to PATH")
    parser.add_argument(
        "--tolerance",
        type=positive(float),
        default=0.01,
        help="quiz: relative tolerance of an answer (default 0.01)",
    )
    parser.set_defaults(run=run)


def _graph(args: argparse.Namespace) -> tuple[Value, str]:
    """The graph to step through and its title."""
    if (args.expression is None) == (args.model is None):
        raise ConfigError("give exactly one of: an expression (with --set) or --model PATH")
    if args.expression is not None:
        if args.input is not None:
            raise ConfigError("--input goes with --model; an expression takes --set NAME=NUMBER")
        values = parse_assignments(args.values) if args.values.strip() else {}
        return parse(args.expression).build(values), args.expression
    if args.input is None:
        raise ConfigError("--model needs one sample: --input X1,X2,... (e.g. --input 0.5,-1)")
    from ..nn import MLP
    from ..pipeline import model_graph

    model = MLP.load(args.model)
    model.fused = args.fused
    sample = parse_numbers(args.input)
    shown = ", ".join(str(x) for x in sample)
    try:
        root = model_graph(model, sample, args.output, args.neuron)
    except ConfigError as exc:  # its messages start with the parameter's name: the option's
        raise ConfigError(f"--{exc}") from None
    if args.neuron is not None:
        return root, f"neuron {args.neuron} of {args.model} on ({shown})"
    count = sum(1 for node in topological_order(root) if node.parents)
    if count > MAX_STEPS and not args.force:
        raise ConfigError(_too_big(model, args, count))
    return root, f"{args.model} on input ({shown}), output {args.output}"


def _too_big(model: MLP, args: argparse.Namespace, count: int) -> str:
    """Why a model's graph is refused, and what to step through instead."""
    shape = " → ".join(str(n) for n in [model.n_inputs, *model.sizes])
    first, last = model.layers[0].neurons[0], model.layers[-1].neurons[0]
    return (
        f"the model {shape} makes a graph of {count} backward steps on one sample, more than "
        f"{MAX_STEPS}: too many to read. Step through one neuron instead: --neuron {first.name} "
        f"(a first-layer neuron, {first.n_inputs} inputs) or --neuron {last.name} (the output, "
        f"{last.n_inputs} inputs); or train a small model (nnscalar train --hidden 3 --out "
        "out/small, then --model out/small/model.json); or pass --force"
    )


def run(args: argparse.Namespace) -> int:
    """Step through the graph the arguments name, as they ask."""
    check_attention_arguments(args)
    if args.attention is not None:
        return _run_attention(args)
    root, title = _graph(args)
    if args.html is not None:
        from ..page import StepPage

        path = StepPage(root, title=title, tolerance=args.tolerance).save(args.html)
        print(f"wrote {path}")
        return 0
    return _walk(root, title, args)


def _run_attention(args: argparse.Namespace) -> int:
    """One attention head of a TinyGPT: its page (boxes first), else the steps in the terminal."""
    if args.expression is not None or args.model is not None:
        raise ConfigError("give one of: an expression, --model PATH or --attention WORD")
    graph = attention_from(args)
    if args.html is not None:
        from ..page import StepPage

        print(f"wrote {StepPage.attention(graph, tolerance=args.tolerance).save(args.html)}")
        return 0
    return _walk(graph.root, graph.title, args)


def _walk(root: Value, title: str, args: argparse.Namespace) -> int:
    """The steps in the terminal: a quiz, all at once (also when not a terminal), or browsed."""
    from ..walkthrough import Walkthrough

    walkthrough = Walkthrough(root, title=title)
    if args.quiz:
        walkthrough.quiz(tolerance=args.tolerance)
    elif args.all or not sys.stdout.isatty():
        walkthrough.show_all()
    else:
        walkthrough.browse()
    return 0
