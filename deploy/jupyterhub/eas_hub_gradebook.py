"""The course's gradebook and its students, from the roster (run by eas_hub_setup.py in the kit's environment).

Usage: eas_hub_gradebook.py COURSE_ROOT COURSE_ID ROSTER.csv
Prints one line per change (a new gradebook, a student added or updated) and nothing otherwise.
"""

import sys
from pathlib import Path

from nbgrader.api import Gradebook

from eastasia_security import lms

root, course_id, roster_path = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
db = root / "gradebook.db"
if not db.exists():
    print(f"created the gradebook {db}")
roster = lms.read_roster(roster_path)
with Gradebook(f"sqlite:///{db}", course_id) as gb:
    known = {s.id: s for s in gb.students}
    for entry in roster.values():
        wanted = {"first_name": entry.first_name, "last_name": entry.last_name, "email": entry.email or None,
                  "lms_user_id": entry.lms_user_id or None}
        student = known.get(entry.id)
        if student is None or any(getattr(student, k) != v for k, v in wanted.items()):
            gb.update_or_create_student(entry.id, **wanted)
            print(f"gradebook {course_id}: student {entry.id} {'updated' if student else 'added'} from {roster_path}")
