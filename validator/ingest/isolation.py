"""Run parsers out of process: a small pool of worker processes with a memory and a time limit each.

What a parser reads can be a program: Terraform's locals that double, modules that call modules thousands
of times, nesting deep enough to exhaust the stack. Each task runs in a worker process with RLIMIT_AS
(memory), RLIMIT_CPU and a wall-clock deadline, and returns the compact, picklable result. A crash, a limit
or a deadline ends only that task: it becomes a ``TaskFailed`` naming why, and a fresh worker takes the
next task (a worker that raised MemoryError stays: Python recovers from it). The pool is sized by the caller
and also spreads the work over the cores.

Workers are forked from the main process where the system can fork (every module is already imported:
a worker starts in milliseconds; it runs only Python code, so the threads a native library may have
started in the parent do not matter), else spawned. Their standard error goes to a private file, so
what a dying worker prints never reaches the user, only its first line, in the task's error.
"""

from __future__ import annotations

import contextlib
import errno
import faulthandler
import gc
import multiprocessing
import os
import resource
import signal
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from validator.ingest.limits import DEFAULT_LIMITS
from validator.model.errors import InputError

MiB = 1024 * 1024


@dataclass(frozen=True)
class ChildLimits:
    """What one task may use: address space added to the worker's own (bytes), and time (seconds, wall
    clock and CPU)."""

    memory_bytes: int = DEFAULT_LIMITS.parser_memory_bytes
    seconds: float = DEFAULT_LIMITS.parser_seconds


@dataclass(frozen=True)
class TaskFailed:
    """Why a task gave no result: ``kind`` is crash, memory or timeout; ``detail`` says what was seen."""

    kind: str
    detail: str

    def text(self, limits: ChildLimits) -> str:
        if self.kind == "memory":
            return f"the parser ran out of memory (limit {limits.memory_bytes // MiB} MiB{_detail(self.detail)})"
        if self.kind == "timeout":
            return f"the parser took longer than the {limits.seconds:g} s limit"
        return f"the parser crashed ({self.detail})"


def _detail(text: str) -> str:
    return f"; {text}" if text else ""


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Fork with the parent's objects out of the collector's reach: a forked child's garbage collection would
    otherwise visit, and so copy, every page of the inherited heap (``gc.freeze``)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


# perf: a run builds hundreds of thousands of objects that live until it ends (tokens, syntax trees, rules) and
# almost no cycles; at Python's default (a collection every 700 allocations, a full one every 100 of those)
# the cyclic garbage collector takes about a third of a large root's evaluation, re-scanning that live heap.
GC_THRESHOLDS = (100_000, 50, 100)


def collect_less() -> None:
    """Run the cyclic garbage collector less often in this process (``GC_THRESHOLDS``); memory that is
    not part of a cycle is freed at once as always."""
    gc.set_threshold(*GC_THRESHOLDS)


def cores() -> int:
    """The cores this process may run on."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def address_space() -> int:
    """This process's virtual size in bytes (what RLIMIT_AS counts; a forked worker starts with its parent's)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):  # pragma: no cover - not Linux
        return 0


def detach(parent: int, stderr_path: str) -> None:
    """In a child: standard error to its own file, standard output away from the caller's pipe, and death with
    the parent (a ``kill -9`` of the run must not leave children holding a CI step's output open)."""
    faulthandler.disable()  # a crash ends only this child; the parent reports it in one line
    fd = os.open(stderr_path, os.O_WRONLY | os.O_APPEND)
    os.dup2(fd, 2)
    os.close(fd)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.close(null)
    with contextlib.suppress(OSError, AttributeError):  # Linux: PR_SET_PDEATHSIG; elsewhere the pipe's EOF
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


def _worker(conn: Connection, limits: ChildLimits, stderr_path: str, parent: int) -> None:
    """A worker's life: limits set once, detached from the caller's streams, then tasks until told to stop."""
    detach(parent, stderr_path)
    collect_less()  # a spawned worker starts with the defaults
    ceiling = address_space() + limits.memory_bytes  # what the parser may add to what the worker holds
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        func, args = message
        used = resource.getrusage(resource.RUSAGE_SELF)
        cpu = int(used.ru_utime + used.ru_stime + limits.seconds) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, resource.RLIM_INFINITY))
        try:
            reply: tuple[str, Any] = ("ok", func(*args))
        except InputError as exc:
            reply = ("input-error", (exc.message, exc.file, exc.line, exc.column, exc.hint))
        except MemoryError:
            reply = ("failed", ("memory", ""))
        except OSError as exc:  # an allocation the system refused, seen as an error of the call that made it
            kind = "memory" if exc.errno == errno.ENOMEM else "crash"
            reply = ("failed", (kind, "" if kind == "memory" else f"{type(exc).__name__}: {exc}"))
        except RecursionError:
            reply = ("failed", ("crash", "nested too deeply for the parser (RecursionError)"))
        except Exception as exc:  # reported to the parent as one line; the worker lives on
            reply = ("failed", ("crash", f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"))
        try:
            conn.send(reply)
        except MemoryError:
            conn.send(("failed", ("memory", "the result did not fit in memory")))


def scratch_file(prefix: str) -> str:
    """An empty private file in the temporary folder, for a child's stderr; a folder we cannot write is the
    user's setting (TMPDIR) and is said in one line, not as an internal error."""
    try:
        handle, path = tempfile.mkstemp(prefix=prefix, suffix=".log")
    except OSError as exc:
        raise InputError(
            f"cannot create a file in the temporary folder {tempfile.gettempdir()}: {exc.strerror or exc}",
            hint="set TMPDIR to a folder this user can write",
        ) from None
    os.close(handle)
    return path


class _Worker:
    def __init__(self, context: Any, limits: ChildLimits) -> None:
        self.stderr_path = scratch_file("palette-policy-worker-")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker, args=(child, limits, self.stderr_path, os.getpid()), daemon=True)
        with frozen_heap():
            self.process.start()
        child.close()
        self.task: int | None = None
        self.deadline = 0.0

    def stop(self, kill: bool = False) -> None:
        if kill and self.process.is_alive():
            self.process.kill()
        elif self.process.is_alive():
            try:
                self.conn.send(None)
            except OSError:
                self.process.kill()
        self.process.join(5)
        if self.process.is_alive():  # pragma: no cover - a worker that ignores the stop
            self.process.kill()
            self.process.join()
        self.conn.close()
        with contextlib.suppress(OSError):
            os.unlink(self.stderr_path)

    def failure(self) -> TaskFailed:
        """Why the worker died: the first telling line of its standard error and its exit status."""
        self.process.join(5)
        code = self.process.exitcode
        try:
            with open(self.stderr_path, "rb") as handle:
                text = handle.read(64 * 1024).decode("utf-8", "replace")
        except OSError:
            text = ""
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        first = next((ln for ln in lines if "error" in ln.lower() or ln.startswith("panic:")), "")
        if any(sign in text.lower() for sign in ("out of memory", "cannot allocate memory", "memoryerror")):
            return TaskFailed("memory", "")
        if code == -signal.SIGXCPU:
            return TaskFailed("timeout", "")
        signame = signal.Signals(-code).name if code is not None and code < 0 else f"exit code {code}"
        return TaskFailed("crash", f"{first[:200]}; {signame}" if first else signame)


class WorkerPool:
    """Run ``func(*args)`` tasks in worker processes, at most ``size`` at a time, results in task order."""

    def __init__(self, size: int | None = None, limits: ChildLimits | None = None) -> None:
        self.size = max(1, size or cores())
        self.limits = limits or ChildLimits()
        self._context = _context()
        self._idle: list[_Worker] = []
        self._busy: list[_Worker] = []

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for worker in self._idle + self._busy:
            worker.stop(kill=worker in self._busy)
        self._idle, self._busy = [], []

    def map(self, func: Callable[..., Any], tasks: Iterable[tuple[Any, ...]]) -> Iterator[Any]:
        """Start the tasks (the first ``size`` at once, so the caller can work meanwhile) and return an
        iterator over their outcomes in the order of ``tasks``: the value, the ``InputError`` the task raised
        or a ``TaskFailed``. The caller decides what to raise, so errors come in the sequential order."""
        pending = deque(enumerate(tasks))
        total = len(pending)
        self._fill(func, pending)
        return self._outcomes(func, pending, total)

    def _fill(self, func: Callable[..., Any], pending: deque[tuple[int, tuple[Any, ...]]]) -> None:
        while pending and len(self._busy) < self.size:
            index, args = pending.popleft()
            self._start(index, func, args)

    def _outcomes(
        self, func: Callable[..., Any], pending: deque[tuple[int, tuple[Any, ...]]], total: int
    ) -> Iterator[Any]:
        done: dict[int, tuple[str, Any]] = {}
        turn = 0
        while turn < total:
            while turn in done:
                yield _outcome(*done.pop(turn))
                turn += 1
            if turn < total:
                done.update(self._collect())
                self._fill(func, pending)

    def _start(self, index: int, func: Callable[..., Any], args: tuple[Any, ...]) -> None:
        worker = self._idle.pop() if self._idle else _Worker(self._context, self.limits)
        worker.task, worker.deadline = index, time.monotonic() + self.limits.seconds
        try:
            worker.conn.send((func, args))
        except OSError:  # a worker that died idle: replace it once
            worker.stop(kill=True)
            worker = _Worker(self._context, self.limits)
            worker.task, worker.deadline = index, time.monotonic() + self.limits.seconds
            worker.conn.send((func, args))
        self._busy.append(worker)

    def _collect(self) -> dict[int, tuple[str, Any]]:
        """Wait for at least one busy worker to answer, die or pass its deadline."""
        if not self._busy:
            return {}
        timeout = max(0.0, min(w.deadline for w in self._busy) - time.monotonic())
        ready = wait([w.conn for w in self._busy] + [w.process.sentinel for w in self._busy], timeout)
        out: dict[int, tuple[str, Any]] = {}
        now = time.monotonic()
        for worker in list(self._busy):
            task = worker.task
            assert task is not None
            if worker.conn in ready:
                try:
                    out[task] = worker.conn.recv()
                except (EOFError, OSError):
                    out[task] = ("failed", _as_tuple(worker.failure()))
                    self._retire(worker)
                    continue
                worker.task = None
                self._busy.remove(worker)
                self._idle.append(worker)
            elif worker.process.sentinel in ready:
                out[task] = ("failed", _as_tuple(worker.failure()))
                self._retire(worker)
            elif now >= worker.deadline:
                out[task] = ("failed", ("timeout", ""))
                self._retire(worker)
        return out

    def _retire(self, worker: _Worker) -> None:
        self._busy.remove(worker)
        worker.stop(kill=True)


def _as_tuple(failed: TaskFailed) -> tuple[str, str]:
    return failed.kind, failed.detail


def _outcome(status: str, payload: Any) -> Any:
    if status == "ok":
        return payload
    if status == "input-error":
        message, file, line, column, hint = payload
        return InputError(message, file=file, line=line, column=column, hint=hint)
    return TaskFailed(*payload)
