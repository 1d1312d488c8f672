"""Which of copier's warnings reach the user: the ones about the template they chose.

Copier warns through `warnings`. Some warnings concern the user's template: uncommitted changes
of a local `--template` were rendered, the template was written for an older copier, the clone
is shallow. Those become notes. The rest concern copier's own plumbing (its version unknown in a
development install, a missing settings file) or the bundled template, which the user did not
choose (a source checkout of this tool is "dirty" while it is worked on); they are dropped.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from create_12_factor_agent.errors import first_line


@contextmanager
def copier_notices(notes: list[str], *, bundled: bool) -> Iterator[None]:
    """Run copier inside: its warnings about a template the user chose are appended to `notes`."""
    from copier.errors import DirtyLocalWarning, OldTemplateWarning, ShallowCloneWarning

    shown = (DirtyLocalWarning, OldTemplateWarning, ShallowCloneWarning)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    if bundled:
        return
    for warning in caught:
        message = warning.message
        note = f"copier: {first_line(message if isinstance(message, Warning) else Warning(message))}"
        if issubclass(warning.category, shown) and note not in notes:
            notes.append(note)
