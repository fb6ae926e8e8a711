"""Grading processes: a few worker processes, each grading one submission at a time, and a parent
that hands out the work, caps each submission's wall-clock time and never loses one.

A worker is a fresh interpreter (`spawn`: nothing of the parent's state or threads is inherited)
that imports nnscalar once and then grades task after task. The parent watches every worker: a
submission that takes longer than the cap, or whose worker dies (killed, out of memory, a grader
bug), gets a `Lost` result saying why, its worker is stopped with all its sandboxed children, and a
fresh worker takes the next task. SIGTERM or SIGINT to a worker kills its sandboxed children
before it ends; leaving `run_pool` early (Ctrl-C, an error) stops every worker that way.
"""

from __future__ import annotations

import multiprocessing
import signal
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from ..errors import NNScalarError
from .sandbox import stop_all

__all__ = ["Lost", "run_pool"]

_STOP_GRACE = 5.0  # seconds a worker has to kill its children and end after SIGTERM
_MAX_FAILED_STARTS = 3  # workers that die before they are ready: something is wrong here


@dataclass(frozen=True)
class Lost:
    """A task the pool could not finish, and why (`took longer than 30 s`, `… was killed`)."""

    reason: str


class _Worker:
    """One worker process, its end of the pipe, and the task it is on (None: idle)."""

    def __init__(self, context: Any, setup: Callable, argument: object) -> None:
        self.conn, theirs = context.Pipe()
        self.proc = context.Process(
            target=_serve, args=(theirs, setup, argument), daemon=True, name="nnscalar-grader"
        )
        self.proc.start()
        theirs.close()
        self.ready = False
        self.task: int | None = None
        self.deadline = 0.0

    def give(self, index: int, task: object, seconds: float) -> bool:
        """Send the task; False when the worker is gone (the task was not started)."""
        try:
            self.conn.send((index, task))
        except OSError:
            return False
        self.task = index
        self.deadline = time.monotonic() + seconds
        return True

    def message(self) -> tuple[str, Any] | None:
        """What the worker sent, None when nothing (or when it died: see `proc`)."""
        try:
            return self.conn.recv() if self.conn.poll() else None
        except (EOFError, OSError):
            return None


def _stop(workers: Sequence[_Worker]) -> None:
    """SIGTERM to each worker (it kills its sandboxed children and ends); SIGKILL after a grace."""
    for worker in workers:
        if worker.proc.is_alive():
            worker.proc.terminate()
    until = time.monotonic() + _STOP_GRACE
    for worker in workers:
        worker.proc.join(max(0.0, until - time.monotonic()))
        if worker.proc.is_alive():
            worker.proc.kill()
            worker.proc.join()
        worker.conn.close()


def _how_it_ended(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = " (out of memory?)" if -code == signal.SIGKILL else ""
        return f"was killed by {name}{hint}"
    return f"ended with exit code {code}"


def run_pool(
    setup: Callable[[Any], Callable[[Any], Any]],
    argument: object,
    tasks: Sequence[object],
    jobs: int,
    seconds: float,
    done: Callable[[int, Any], None] | None = None,
) -> list[Any]:
    """Each task's result, in order: `setup(argument)(task)` run in one of `jobs` worker processes,
    or a `Lost` when it took longer than `seconds` or its worker died.

    `setup` (a module-level function) runs once per worker; `argument`, the tasks and the results
    are pickled. `done(index, result)` is called here, in the parent, as each result arrives.
    """
    context = multiprocessing.get_context("spawn")
    results: dict[int, Any] = {}
    queue = deque(range(len(tasks)))
    workers: list[_Worker] = []
    failed_starts = 0

    def finish(index: int, result: object) -> None:
        results[index] = result
        if done is not None:
            done(index, result)

    try:
        workers = [_Worker(context, setup, argument) for _ in range(min(jobs, len(tasks)))]
        while len(results) < len(tasks):
            for worker in workers:
                if worker.ready and worker.task is None and queue:
                    index = queue.popleft()
                    if not worker.give(index, tasks[index], seconds):
                        queue.appendleft(index)  # for the next worker; this one is replaced
            busy = [w.deadline for w in workers if w.task is not None]
            timeout = min(busy, default=time.monotonic() + 1.0) - time.monotonic()
            wait(
                [w.conn for w in workers] + [w.proc.sentinel for w in workers],
                timeout=min(max(timeout, 0.0), 1.0),
            )
            for worker in list(workers):
                message = worker.message()
                if message is not None:
                    kind, body = message
                    if kind == "ready":
                        worker.ready = True
                    elif kind == "failed":
                        raise NNScalarError(f"a grading process could not start: {body}")
                    else:
                        worker.task = None
                        finish(*body)
                    continue
                late = worker.task is not None and time.monotonic() > worker.deadline
                if worker.proc.is_alive() and not late:
                    continue
                _stop([worker])
                workers.remove(worker)
                if worker.task is not None:
                    why = (
                        f"took longer than {seconds:g} s"
                        if late
                        else f"the grading process {_how_it_ended(worker.proc.exitcode)} "
                        "while checking this submission"
                    )
                    finish(worker.task, Lost(why))
                elif not worker.ready:
                    failed_starts += 1
                    if failed_starts >= _MAX_FAILED_STARTS:
                        raise NNScalarError(
                            "grading processes keep dying before they start: the last "
                            f"{_how_it_ended(worker.proc.exitcode)} (a script that grades "
                            "must call grade_all under `if __name__ == '__main__':`, as "
                            "multiprocessing requires; its error is printed above)"
                        )
                if queue:  # a fresh worker for the rest
                    workers.append(_Worker(context, setup, argument))
        for worker in workers:  # done: each ends when told so (and is stopped if it does not)
            try:
                worker.conn.send(None)
            except OSError:
                pass  # it has ended already
        for worker in workers:
            worker.proc.join(_STOP_GRACE)
    finally:
        _stop(workers)
    return [results[i] for i in range(len(tasks))]


def _end(signum: int, frame: object) -> None:
    """SIGTERM / SIGINT in a worker: kill its sandboxed children, then end it."""
    stop_all()
    raise SystemExit(128 + signum)


def _serve(conn: Connection, setup: Callable, argument: object) -> None:
    """A worker's life: set up, say ready, then run each task it is sent until it is sent None."""
    signal.signal(signal.SIGTERM, _end)
    signal.signal(signal.SIGINT, _end)
    try:
        work = setup(argument)
    except Exception as exc:  # e.g. a teacher's exercise folder that no longer loads
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", None))
    while True:
        try:
            message = conn.recv()
        except EOFError:  # the parent is gone
            return
        if message is None:
            return
        index, task = message
        conn.send(("done", (index, work(task))))
