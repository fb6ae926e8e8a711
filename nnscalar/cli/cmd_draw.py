"""`nnscalar draw`: picture a typed expression, a built-in example or a saved model."""

from __future__ import annotations

import argparse
import sys

from ..core import Value
from ..errors import ConfigError
from ..render import Drawing, draw, draw_network
from ..render.examples import EXAMPLES, example
from ._arguments import (
    add_attention_arguments,
    add_expression_arguments,
    attention_from,
    check_attention_arguments,
)

EPILOG = """examples:
  nnscalar draw "tanh(x1*w1 + x2*w2 + b)" --set x1=2,x2=0,w1=-3,w2=1,b=6.88 --backward -o g.svg
  nnscalar draw --example neuron --backward --color-by role -o neuron.png
  nnscalar draw --model model.json -o net.svg
  nnscalar draw --model model.json --input 0.5,-1 --backward --collapse -o call.svg
  nnscalar draw --attention emma --position 3 --backward -o head.png
  nnscalar draw --attention emma --position 3 --expand score32,softmax -o head.svg
Without -o the DOT text is printed (no renderer needed); -o takes .svg, .png, .pdf or .dot."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `draw` subcommand."""
    parser = subparsers.add_parser(
        "draw",
        help="draw a computation graph or a model as SVG, PNG, PDF or DOT",
        description="Draw a computation graph (a typed expression or a built-in example) or a "
        "saved model's network (or, given --input, its graph on that sample).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_expression_arguments(parser)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--example", choices=sorted(EXAMPLES), help="a built-in graph")
    source.add_argument("--model", metavar="PATH", help="a model file saved by MLP.save")
    add_attention_arguments(source, parser)
    parser.add_argument(
        "--expand",
        nargs="?",
        const="",
        metavar="GROUP,...",
        help="--attention: open these boxes into their scalar nodes (e.g. score32,softmax); "
        "alone: open every box that computes",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="write the picture here; the format comes from the extension",
    )
    parser.add_argument("--tb", action="store_true", help="top to bottom instead of left to right")
    parser.add_argument("--no-grad", action="store_true", help="hide gradients (for quizzes)")
    parser.add_argument("--backward", action="store_true", help="run backward() before drawing")
    parser.add_argument("--color-by", choices=["role", "grad"], help="colour nodes by role or grad")
    parser.add_argument("--cluster", action="store_true", help="group nodes by layer and neuron")
    parser.add_argument("--collapse", action="store_true", help="draw each neuron as one box")
    parser.add_argument("--weights", action="store_true", help="model: write each weight")
    parser.add_argument(
        "--input",
        metavar="X1,X2,...",
        help="model: draw its computation graph on this sample (output 1), not its network",
    )
    parser.add_argument(
        "--neuron", metavar="NAME", help="model, with --input: that neuron alone (e.g. L1.N1)"
    )
    parser.add_argument("--precision", type=int, default=4, help="significant digits (4)")
    parser.add_argument("--max-nodes", type=int, default=1500, help="refuse bigger graphs (1500)")
    parser.set_defaults(run=run)


def expression_graph(text: str, values: str) -> Value:
    """The graph of a typed expression with its names set from `NAME=NUMBER,...`; the unnamed
    intermediates are labelled n1, n2, … as `nnscalar step` names them."""
    try:
        from ..expr import parse, parse_assignments
    except ImportError:
        raise ConfigError(
            "typed expressions need the module nnscalar.expr, which this version does not have "
            "yet; draw a built-in example (--example neuron) or a model (--model model.json)"
        ) from None
    from ..explain import node_names

    root = parse(text).build(parse_assignments(values) if values.strip() else {})
    # the intermediates get the names `nnscalar step` gives them (n1, n2, …), to cross-reference
    for node, name in node_names(root).items():
        if not node.label:
            node.label = name
    return root


def _drawing(args: argparse.Namespace) -> Drawing:
    rankdir = "TB" if args.tb else "LR"
    sources = [
        s for s in (args.expression, args.example, args.model, args.attention) if s is not None
    ]
    if len(sources) != 1:
        raise ConfigError(
            "give exactly one thing to draw: an expression, --example "
            f"({' or '.join(sorted(EXAMPLES))}), --model PATH or --attention WORD"
        )
    check_attention_arguments(args)
    if args.expand is not None and args.attention is None:
        raise ConfigError("--expand opens the boxes of --attention WORD; give one too")
    if args.attention is not None:
        return _attention_drawing(args, rankdir)
    if args.values and args.expression is None:
        raise ConfigError("--set gives values to the names of an expression; give one too")
    if (args.input is not None or args.neuron is not None) and args.model is None:
        raise ConfigError("--input and --neuron go with --model PATH")
    if args.model is not None and args.input is None:
        if args.backward:
            raise ConfigError(
                "--backward needs a graph: an expression, --example, or --model with --input"
            )
        if args.neuron is not None:
            raise ConfigError("--neuron needs one sample: --input X1,X2,... (e.g. --input 0.5,-1)")
        from ..nn import MLP

        return draw_network(
            MLP.load(args.model),
            show_weights=args.weights,
            precision=args.precision,
            rankdir=rankdir,
        )
    if args.model is not None:
        from ..expr import parse_numbers
        from ..nn import MLP
        from ..pipeline import model_graph

        try:
            root = model_graph(MLP.load(args.model), parse_numbers(args.input), 1, args.neuron)
        except ConfigError as exc:  # its messages start with the parameter's name: the option's
            raise ConfigError(f"--{exc}") from None
    elif args.example is not None:
        root = example(args.example)
    else:
        root = expression_graph(args.expression, args.values)
    if args.backward:
        root.backward()
    return draw(
        root,
        rankdir=rankdir,
        show_grad=not args.no_grad,
        color_by=args.color_by,
        cluster=args.cluster,
        collapse=args.collapse,
        precision=args.precision,
        max_nodes=args.max_nodes,
    )


def _attention_drawing(args: argparse.Namespace, rankdir: str) -> Drawing:
    """One attention head of a TinyGPT reading the word, collapsed unless --expand says."""
    from ..render import draw_attention

    graph = attention_from(args)
    if args.backward:
        graph.root.backward()
    names = [n for n in (args.expand or "").split(",") if n.strip()]
    try:
        return draw_attention(
            graph,
            collapse=args.expand != "",
            expand=names,
            rankdir=rankdir,
            show_grad=not args.no_grad,
            precision=args.precision,
            max_nodes=args.max_nodes,
        )
    except ConfigError as exc:  # "expand: …": the option's name
        raise ConfigError(f"--{exc}" if str(exc).startswith("expand") else str(exc)) from None


def run(args: argparse.Namespace) -> int:
    """Draw what the arguments name; print DOT, or write the file `-o` names."""
    drawing = _drawing(args)
    if args.output is None:
        sys.stdout.write(drawing.dot)
    else:
        print(f"wrote {drawing.save(args.output)}")
    return 0
