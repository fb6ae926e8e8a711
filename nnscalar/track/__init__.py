"""The build track: students write Value and backward themselves; nnscalar grades each task.

`start` writes a student's skeleton package (or the model solution), `check` runs the hidden
checks of each task in the sandbox and compares the student's graphs with nnscalar's engine.
"""

from .checker import TaskResult, check
from .start import start
from .tasks import TASKS

__all__ = ["TASKS", "TaskResult", "check", "start"]
