"""Arguments that several subcommands share."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ..errors import ConfigError

if TYPE_CHECKING:
    from ..transformer import AttentionGraph


def add_expression_arguments(parser: argparse.ArgumentParser) -> None:
    """A typed expression and `--set NAME=NUMBER,...` for its names (`draw`, `step`)."""
    parser.add_argument("expression", nargs="?", help='a typed expression, e.g. "tanh(x*w + b)"')
    parser.add_argument(
        "--set",
        dest="values",
        default="",
        metavar="NAME=NUMBER,...",
        help="values of the expression's names, e.g. x1=2,w1=-3",
    )


def add_attention_arguments(
    source: argparse._ActionsContainer, parser: argparse.ArgumentParser
) -> None:
    """`--attention WORD` (in `source`, a group of mutually exclusive sources) and the options
    that say which head of the TinyGPT to show (`draw`, `step`)."""
    source.add_argument(
        "--attention",
        metavar="WORD",
        help="one attention head of an 8-wide TinyGPT (untrained, or --train STEPS) reading "
        ".WORD, at one position",
    )
    parser.add_argument(
        "--position",
        type=int,
        metavar="P",
        help="--attention: the position whose head to show, 1 = the start '.' (default: the "
        "word's last letter)",
    )
    parser.add_argument("--head", type=int, default=1, metavar="H", help="--attention: 1 or 2")
    parser.add_argument(
        "--dim",
        type=int,
        default=1,
        metavar="D",
        help="--attention: which entry of the head's output (1 to 4, default 1)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="--attention: the model's initialisation seed (0)"
    )
    parser.add_argument(
        "--train",
        type=int,
        default=0,
        metavar="STEPS",
        help="--attention: first train the TinyGPT on the names list for STEPS Adam steps "
        "(0: untrained; 300 take a few seconds)",
    )


def check_attention_arguments(args: argparse.Namespace) -> None:
    """Refuse the head's options without `--attention`."""
    if args.attention is None:
        given = [
            f"--{name}"
            for name, default in (
                ("position", None),
                ("head", 1),
                ("dim", 1),
                ("seed", 0),
                ("train", 0),
            )
            if getattr(args, name) != default
        ]
        if given:
            raise ConfigError(f"{given[0]} goes with --attention WORD")


def attention_from(args: argparse.Namespace) -> AttentionGraph:
    """The head the options name; a bad option's message names it as typed."""
    from ..pipeline import attention_after_training

    try:
        return attention_after_training(
            args.attention, args.position, args.head, args.dim, args.seed, args.train
        )
    except ConfigError as exc:  # its messages start with the parameter's name: the option's
        raise ConfigError(f"--{exc}") from None
