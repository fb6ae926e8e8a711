"""The concepts tour: every concept of the cheat-sheet as a few lines of nnscalar that run.

`SECTIONS` holds the fourteen sections as data; `run_section` runs one (the code shown is the code
executed); `page` shows them in a terminal and `build_page` writes them as one HTML file.
"""

from .runner import Section, SectionResult, find_section, run_section
from .sections import SECTIONS

__all__ = ["SECTIONS", "Section", "SectionResult", "find_section", "run_section"]
