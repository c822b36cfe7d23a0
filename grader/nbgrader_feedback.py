"""nbgrader's ClearHiddenTests, for ``generate_feedback``, without its warning.

Why: nbgrader's feedback shows the hidden test regions unless
``ClearHiddenTests`` runs (nbgrader issue #917), so the generated
``nbgrader_config.py`` adds it to ``GenerateFeedback.preprocessors``. But the
HTML exporter sets the shared nbconvert option ``display_data_priority`` for
every preprocessor, and nbgrader's ClearHiddenTests declares that trait
without ``config=True``, so each ``generate_feedback`` warned "Config option
`display_data_priority` not recognized by `ClearHiddenTests`". This subclass
only declares the option, so the warning is gone and nothing else changes.
Imported by nbgrader (by its name in the config), never by the grader itself.
"""

from __future__ import annotations

from nbgrader.preprocessors import ClearHiddenTests as NbgraderClearHiddenTests
from traitlets import List


class ClearHiddenTests(NbgraderClearHiddenTests):
    """nbgrader's ClearHiddenTests, accepting nbconvert's shared display option."""

    display_data_priority = List(NbgraderClearHiddenTests.display_data_priority.default_value).tag(config=True)
