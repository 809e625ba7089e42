"""nbgrader's exchange, with each submission readable by its student and the course staff only.

nbgrader's default exchange hides a submission by its name alone: ``inbound/`` cannot be listed by
students, but every submission in it is world-readable (files 0644, the folder 0777) and carries
the ``submission_secret.txt`` from which the name of the student's released feedback is derived.
A student who learns a classmate's folder name (from a shared screen, a log, a guess about the
timestamp) can read the notebook and then the feedback. On a shared server the kit closes that:
:class:`PrivateSubmit` lets nbgrader submit as usual, then gives the submission to the student and
the course's group only (``inbound/`` is set-group-id, so the files carry the course staff's
group): folders 2770 (staff may delete), sub-folders 2750, files 0640.

Enable it in the system-wide ``nbgrader_config.py`` (the hub deployment does)::

    c.ExchangeFactory.submit = "eastasia_security.exchange.PrivateSubmit"

>>> from eastasia_security.exchange import SUBMISSION_MODES
>>> oct(SUBMISSION_MODES["file"])
'0o640'
"""

from __future__ import annotations

import os

from nbgrader.exchange.default.submit import ExchangeSubmit

__all__ = ["PrivateSubmit", "SUBMISSION_MODES"]

SUBMISSION_MODES = {"top": 0o2770, "dir": 0o2750, "file": 0o640}


class PrivateSubmit(ExchangeSubmit):
    """``nbgrader submit`` whose copy in ``inbound/`` only the student and the staff's group can read."""

    def copy_files(self):
        super().copy_files()
        dest = os.path.join(self.inbound_path, self.assignment_filename)
        # Inner entries first: once the folder is closed its contents must already be private.
        for folder, dirs, files in os.walk(dest):
            for name in files:
                os.chmod(os.path.join(folder, name), SUBMISSION_MODES["file"])
            for name in dirs:
                os.chmod(os.path.join(folder, name), SUBMISSION_MODES["dir"])
        os.chmod(dest, SUBMISSION_MODES["top"])
