"""Reading in a second process while this one writes: the bulk import's two halves on two cores.

The reader is a fork of the importing process (it inherits the open file, the row checker, the
area index and the bitmap of public numbers in use), so it needs no database. It sends each batch,
ready for the database, through a pipe, and asks the importing process for a service type the first
time it meets a name (only that process may create one). Python's lock would keep two threads from
running at once; two processes do, and measured about twice as fast on this machine's two cores.

Messages from the reader: ("type", name, code), answered with (id, department_id, days);
("batch", Batch, state); ("done", state); ("error", text). `state` is what the reader has counted
so far: (rows, bad, problems, repeated, bytes read).
"""
from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable, Iterator

from portal.requests.importing.batch import Batch
from portal.requests.importing.types import TypeInfo

ReadState = tuple[int, int, list[str], int, int]


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def read_in_child(produce: Callable[[Callable[[str, str], TypeInfo]], Iterator[tuple[Batch, ReadState]]],
                  resolve: Callable[[str, str], TypeInfo], final_state: Callable[[], ReadState]
                  ) -> Iterator[tuple[Batch | None, ReadState]]:
    """Run `produce(kind)` in a forked process and yield what it yields, here; the child's
    `kind(name, code)` calls `resolve` here. The last item is (None, the final state)."""
    context = multiprocessing.get_context("fork")
    here, there = context.Pipe(duplex=True)
    child = context.Process(target=_child, args=(there, produce, final_state), daemon=True, name="stoop-import-reader")
    child.start()
    there.close()
    try:
        while True:
            try:
                message = here.recv()
            except EOFError:
                raise RuntimeError(f"the import's reader process ended unexpectedly (exit code {child.exitcode})") from None
            if message[0] == "type":
                info = resolve(message[1], message[2])
                here.send((info.id, info.department_id, info.days))
            elif message[0] == "batch":
                yield message[1], message[2]
            elif message[0] == "done":
                yield None, message[1]
                return
            else:
                raise RuntimeError(f"the import's reader process failed:\n{message[1]}")
    finally:
        here.close()
        if child.is_alive():
            child.kill()
        child.join()


def _child(connection, produce, final_state) -> None:
    def kind(name: str, code: str) -> TypeInfo:
        connection.send(("type", name, code))
        return TypeInfo(*connection.recv())

    try:
        for batch, state in produce(kind):
            connection.send(("batch", batch, state))
        connection.send(("done", final_state()))
    except (BrokenPipeError, EOFError):  # the importing process has stopped: so do we
        pass
    except BaseException:  # noqa: BLE001 - reported to the importing process, which raises it
        try:
            connection.send(("error", traceback.format_exc()))
        except (BrokenPipeError, EOFError):
            pass
    finally:
        connection.close()
