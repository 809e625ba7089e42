"""System-wide Jupyter Server settings for every user's server on the hub (installed by setup.sh).

The hub names each user's courses in the environment (jupyterhub_config.py, ``prepare_server``).
"""

import os

c = get_config()  # noqa: F821  (provided by Jupyter)

if os.environ.get("EAS_HUB_STAFF_COURSES"):
    # JupyterHub 4.1+ sends "frame-ancestors 'none'" from every server, which leaves nbgrader's
    # formgrader panel blank: JupyterLab shows the formgrader in an iframe of the same server
    # (nbgrader issue #1870). Staff servers allow frames from their own origin again. Students'
    # servers keep JupyterHub's default, so no page a student controls can be framed; staff can
    # instead open /user/NAME/formgrader in a tab of its own (see INSTRUCTORS.md on this choice).
    c.ServerApp.tornado_settings = {"headers": {"Content-Security-Policy": "frame-ancestors 'self'"}}
else:
    # Students grade nothing: no formgrader and no course list in their servers.
    c.ServerApp.jpserver_extensions = {
        "nbgrader.server_extensions.formgrader": False,
        "nbgrader.server_extensions.course_list": False,
    }
