"""``python -m grader.diagnosis``: regenerate docs/bug-catalog.md from catalog.json."""

from .catalog import write_doc

print(f"wrote {write_doc()}")
