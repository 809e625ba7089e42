"""nbgrader configuration for the East Asian Security Course Kit.

Run every nbgrader command from this folder (course/), e.g.
    nbgrader generate_assignment ps1_geography
See INSTRUCTORS.md for the whole workflow.
"""

c = get_config()  # noqa: F821  (provided by nbgrader)

c.CourseDirectory.course_id = "eastasia-security"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"

# A cell that runs longer than this is stopped and its tests fail (an infinite loop
# in one answer must not hold up a whole class).
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True

# Long outputs (a print in a loop) are cut in the graded and feedback notebooks.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100

# A student who deletes a graded cell gets it back (scored as unanswered) instead of
# an autograde that stops with "missing grade cell".
c.OverwriteCells.add_missing_cells = True

# What students see in place of the solutions.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Feedback never shows hidden tests (nbgrader issue #917): the kit's preprocessor removes the
# hidden test regions and shortens failed tests to their student-facing message. This makes the
# plain `nbgrader generate_feedback` as safe as `eastasia-security feedback`.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "eastasia_security.autograde.feedback.StudentFeedback",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# Late work: 10 % of the score off per day (or part of a day) late, after 15 minutes' grace;
# zero after 5 days. Set the due date with `nbgrader db assignment add NAME --duedate "..."`
# (or in the formgrader); give one student more time with an extension in the formgrader.
# Change the numbers to your syllabus, or set penalty_method = "none" in INSTRUCTORS.md's way.
c.AssignLatePenalties.plugin_class = "eastasia_security.late.PercentPerDay"
c.PercentPerDay.percent_per_day = 10
c.PercentPerDay.grace_minutes = 15
c.PercentPerDay.max_days = 5
