"""System-wide nbgrader settings for every user of the hub (installed by setup.sh; @HUB_JSON@ filled in).

Students and staff share the exchange; staff servers also load their course's own configuration,
so the formgrader and the nbgrader commands find the course wherever they are started.
"""

import json
import os

c = get_config()  # noqa: F821  (provided by nbgrader)

SETTINGS = json.load(open("@HUB_JSON@", encoding="utf-8"))

c.Exchange.root = SETTINGS["exchange"]
# Two courses may both have a "ps1": each course's assignments go to ~/COURSE/ASSIGNMENT.
c.Exchange.path_includes_course = True
# Submissions readable by their student and the course staff only (nbgrader's are world-readable).
c.ExchangeFactory.submit = "eastasia_security.exchange.PrivateSubmit"

_root = os.environ.get("EAS_HUB_COURSE_ROOT")
_students = [x for x in os.environ.get("EAS_HUB_STUDENT_COURSES", "").split(",") if x]
if _root and os.path.isfile(os.path.join(_root, "nbgrader_config.py")):
    load_subconfig("nbgrader_config.py", path=_root)  # noqa: F821  (provided by traitlets)
    c.CourseDirectory.root = _root
elif len(_students) == 1:
    c.CourseDirectory.course_id = _students[0]
