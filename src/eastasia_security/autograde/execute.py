"""nbgrader's ``Execute`` step with the kernel in a sandbox, and a structured record of what happened.

The worker sets :data:`CURRENT` before it asks nbgrader to autograde a student; nbgrader builds
:class:`SandboxedExecute` from ``Autograde.autograde_preprocessors`` and this class starts the
kernel through :class:`~eastasia_security.autograde.sandbox.SandboxKernelManager`, records
timeouts and kernel deaths as flags, and reads the jail's report when the kernel has ended.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import DeadKernelError
from nbgrader.preprocessors import Execute

from .errors import SandboxUnavailable
from .flags import Code, Flag
from .sandbox import Sandbox, SandboxRun, kernel_command

__all__ = ["RunContext", "SandboxedExecute", "SandboxKernelManager", "CURRENT", "set_context"]


@dataclass
class RunContext:
    """What the worker tells the Execute step about the submission being graded, and what it learns."""

    sandbox: Sandbox | None              # None: --unsafe, the kernel runs as the grader
    files: list[Path] = field(default_factory=list)   # the notebook's own files, copied into the sandbox
    timeout: int = 60
    flags: list[Flag] = field(default_factory=list)
    statuses: list[dict] = field(default_factory=list)


CURRENT = RunContext(sandbox=None)


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel inside a :class:`SandboxRun` (set ``sandbox_run``)."""

    sandbox_run: SandboxRun | None = None

    def _prepare_sandbox(self) -> None:
        run = self.sandbox_run
        if run is None:
            raise SandboxUnavailable("SandboxKernelManager needs a sandbox_run before the kernel starts")
        self.transport = "ipc"
        self.ip = str(run.folder / "ipc" / "kernel")
        self.connection_file = str(run.connection_file)

    async def _async_pre_start_kernel(self, **kw):
        self._prepare_sandbox()
        kw["cwd"] = str(self.sandbox_run.folder)  # never the course: the jail chdirs to the student's home
        return await super()._async_pre_start_kernel(**kw)

    def format_kernel_cmd(self, extra_arguments=None):
        return kernel_command(self.sandbox_run, super().format_kernel_cmd(extra_arguments))


def set_context(context: RunContext) -> None:
    global CURRENT
    CURRENT = context


class SandboxedExecute(Execute):
    """``nbgrader.preprocessors.Execute`` whose kernel runs in a fresh sandbox per notebook."""

    def __init__(self, **kwargs):
        kwargs["kernel_manager_class"] = SandboxKernelManager if CURRENT.sandbox else AsyncKernelManager
        super().__init__(**kwargs)
        self._run: SandboxRun | None = None

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        if isinstance(km, SandboxKernelManager):
            km.sandbox_run = self._run
        return km

    def preprocess(self, nb, resources=None, km=None):
        context = CURRENT
        name = Path((resources or {}).get("nbgrader", {}).get("notebook", "notebook")).name
        self._run = context.sandbox.new_run(context.files) if context.sandbox else None
        try:
            return super().preprocess(nb, resources, km)
        except DeadKernelError:
            context.flags.append(Flag(Code.KERNEL_DIED, f"{name}: kernel died while running a cell: not graded, review by hand"))
            raise
        finally:
            if self._run is not None:
                status = self._run.status()
                survivors = self._run.close()
                context.statuses.append({"notebook": name, "jail": status, "killed_after": survivors})
                self._run = None

    async def _async_handle_timeout(self, timeout, cell=None):
        where = ""
        if cell is not None:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            where = f" (cell '{gid}')" if gid else f" (cell {cell.get('id', '?')})"
        CURRENT.flags.append(Flag(Code.TIMEOUT, f"a cell timed out after {timeout} s and was interrupted{where}"))
        return await super()._async_handle_timeout(timeout, cell)
