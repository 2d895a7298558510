"""Policy evaluation with a time and a memory limit, in a forked child, for the local engines.

Neither regorus nor rego-cpp has an instruction limit, and a user's policy can ask for the impossible
(``net.cidr_expand("0.0.0.0/0")`` builds four billion strings) or hit a defect that ends the process. Each
evaluation therefore runs in a child forked from the process that loaded the policies (so nothing is
loaded twice), with RLIMIT_AS set to what the process already uses plus a budget, and is killed when the
time limit passes. The child's standard error goes to a private file, so what a dying engine prints never
reaches the user; the answer is one located line.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
from collections.abc import Callable
from typing import Any

from validator.ingest.isolation import address_space, detach, frozen_heap, scratch_file
from validator.model.errors import InputError

DEFAULT_TIMEOUT = 120.0  # seconds for one policy evaluation (--policy-timeout)
DEFAULT_MEMORY_MIB = 2048  # memory one evaluation may add to the process (--policy-memory)


def forking() -> bool:
    """Whether evaluations can run in a forked child here (POSIX); elsewhere they run in process, unbounded."""
    return "fork" in multiprocessing.get_all_start_methods()


def _child(func: Callable[..., Any], args: tuple[Any, ...], memory: int, log: str, conn: Any, parent: int) -> None:
    detach(parent, log)
    if memory > 0:
        limit = address_space() + memory
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        conn.send(("ok", func(*args)))
    except InputError as exc:
        conn.send(("input-error", (exc.message, exc.file, exc.line, exc.column, exc.hint)))
    except MemoryError:
        conn.send(("memory", ""))
    except Exception as exc:  # one line to the parent
        conn.send(("error", f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"))
    finally:
        conn.close()


def run_limited(
    func: Callable[..., Any],
    args: tuple[Any, ...],
    *,
    what: str,
    timeout: float | None,
    memory_mib: int | None,
    engine: str = "the policy engine",
) -> Any:
    """``func(*args)`` in a forked child with the limits; its value, or an InputError saying which limit or
    what crash stopped it (``what`` names the evaluation in the message)."""
    context: Any = multiprocessing.get_context("fork")
    log = scratch_file("palette-policy-eval-")
    parent, child = context.Pipe(duplex=False)
    memory = (memory_mib or 0) * 1024 * 1024
    process = context.Process(target=_child, args=(func, args, memory, log, child, os.getpid()), daemon=True)
    try:
        with frozen_heap():
            process.start()
        child.close()
        if not parent.poll(timeout):
            raise InputError(
                f"evaluating {what} exceeded the time limit of {timeout:g} s",
                hint="simplify the policy, or raise --policy-timeout",
            )
        status, payload = parent.recv()
    except EOFError:
        process.join()
        raise _died(process.exitcode, log, what, memory_mib, engine) from None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        parent.close()
        os.unlink(log)
    if status == "ok":
        return payload
    if status == "input-error":
        message, file, line, column, hint = payload
        raise InputError(message, file=file, line=line, column=column, hint=hint)
    if status == "memory":
        raise _memory(what, memory_mib)
    raise InputError(f"evaluating {what} failed: {payload}")


def _memory(what: str, memory_mib: int | None) -> InputError:
    return InputError(
        f"evaluating {what} exceeded the memory limit of {memory_mib} MiB",
        hint="a builtin such as net.cidr_expand on a large range builds huge values; simplify the policy, "
        "or raise --policy-memory",
    )


def _died(code: int | None, log: str, what: str, memory_mib: int | None, engine: str) -> InputError:
    try:
        with open(log, "rb") as handle:
            text = handle.read(64 * 1024).decode("utf-8", "replace")
    except OSError:
        text = ""
    if "memory allocation" in text or "out of memory" in text or "MemoryError" in text:
        return _memory(what, memory_mib)
    signame = signal.Signals(-code).name if code is not None and code < 0 else f"exit code {code}"
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    detail = f"{signame}; {first[:160]}" if first else signame
    return InputError(
        f"{engine} crashed ({detail}) while evaluating {what}",
        hint="rerun with --engine embedded (the default) to see the rule, line and message",
    )
