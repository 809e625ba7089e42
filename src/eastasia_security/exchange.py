"""nbgrader's exchange, with each submission reachable by its student and the course staff only.

nbgrader's default exchange hides a submission by its name alone: ``inbound/`` cannot be listed by
students, but every submission in it is world-readable (files 0644, the folder 0777) and carries
the ``submission_secret.txt`` from which the name of the student's released feedback is derived.
A student who learns a classmate's folder name (from a shared screen, a log, a guess about the
timestamp) can read the notebook and then the feedback. On a shared server the kit closes that:
:class:`PrivateSubmit` lets nbgrader submit as usual, then closes the submission's folder to
everyone but its owner and its group, which is the course staff's (``inbound/`` is
set-group-id, so the folder nbgrader makes there carries the staff's group).

Only the folder is closed, not each file: nbgrader writes ``timestamp.txt`` and the secret after
copying, when the folder has lost its set-group-id bit, so those two carry the student's own
group; they stay readable through the folder by the staff, who collect them.

Enable it in the system-wide ``nbgrader_config.py`` (the hub deployment does)::

    c.ExchangeFactory.submit = "eastasia_security.exchange.PrivateSubmit"

>>> from eastasia_security.exchange import SUBMISSION_FOLDER_MODE
>>> oct(SUBMISSION_FOLDER_MODE)
'0o770'
"""

from __future__ import annotations

import os

from nbgrader.exchange.default.submit import ExchangeSubmit

__all__ = ["PrivateSubmit", "SUBMISSION_FOLDER_MODE"]

#: The student (owner) and the staff (group) may enter; nobody else.
SUBMISSION_FOLDER_MODE = 0o770


class PrivateSubmit(ExchangeSubmit):
    """``nbgrader submit`` whose folder in ``inbound/`` only the student and the staff's group can enter."""

    def copy_files(self):
        super().copy_files()
        dest = os.path.join(self.inbound_path, self.assignment_filename)
        if os.stat(dest).st_gid != os.stat(self.inbound_path).st_gid:
            # inbound/ is not set-group-id with the staff's group (not set up by the kit's hub
            # deployment): closing the folder would lock the instructor out, so nbgrader's mode stays.
            self.log.warning("%s does not carry the group of %s; leaving nbgrader's permissions", dest,
                             self.inbound_path)
            return
        os.chmod(dest, SUBMISSION_FOLDER_MODE)
