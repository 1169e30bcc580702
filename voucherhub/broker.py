"""kombu's filesystem transport (the embedded broker of ``make run`` and of the SQLite test runs), with
messages that appear whole and are taken by one consumer.

kombu writes a message into its final ``*.<queue>.msg`` file in place, while a consumer may already move
that file away and read it: a consumer that came early read half a message and the worker died on a
``JSONDecodeError`` (seen in the worker tests, about one run in twelve). Here a message is written under a
name consumers skip (``.part`` after the queue name) and renamed into place, which is atomic on one file
system, so a consumer sees a message whole or not at all. A consumer takes a message by renaming it to a
name of its own in the same folder (one rename wins), then reads it: kombu moved it to the temporary
folder under its own name, a copy when that folder is on another file system, where two consumers could
write and read the same path. A queue's binding file is created with its content in one step: kombu
created it empty and then locked it, and a second process declaring the queue at that moment read the
empty file (the same ``JSONDecodeError``, when a worker and the web process start together).

Registered as the ``vhfs://`` broker URL scheme (voucherhub.celery); options as for ``filesystem://``.
"""

import contextlib
import os
import shutil
import uuid
from pathlib import Path
from queue import Empty
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

SCHEME = "vhfs"


def folder_options(folder: Path, *, polling_interval: float) -> dict:
    """``CELERY_BROKER_TRANSPORT_OPTIONS`` for a broker kept in ``folder`` (its sub-folders created):
    absolute paths and one shared in/out folder, so web, worker and beat use the same queue."""
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)  # kombu only creates "control"
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "store_processed": False,
        "control_folder": str(folder / "control"),
        "polling_interval": polling_interval,
    }


class Channel(filesystem.Channel):
    def _queue_bind(self, exchange, routing_key, pattern, queue):
        """kombu's bind, on an exchange file that never exists empty or without this binding: a new file
        is created with its binding in one step; an existing one is updated under its lock by kombu."""
        file = self._exchange_file(exchange)
        if not file.exists():
            self.control_folder.mkdir(exist_ok=True)
            binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
            partial = file.with_name(f"{file.name}.{uuid.uuid4().hex}.part")
            try:
                partial.write_bytes(str_to_bytes(dumps([binding])))
                os.link(partial, file)  # creates the file with its content, unless another process did
                return
            except FileExistsError:
                pass  # another process created it meanwhile: add this binding to it below
            except OSError as exc:
                raise ChannelError(f"Cannot create {file}") from exc
            finally:
                partial.unlink(missing_ok=True)
        super()._queue_bind(exchange, routing_key, pattern, queue)

    def _put(self, queue, payload, **kwargs):
        """Put ``payload`` onto ``queue``: written aside, then renamed to the name consumers look for."""
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + ".part"  # "<queue>.msg.part" is not "<queue>.msg": consumers skip it
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.remove(partial)
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc

    def _get(self, queue):
        """The oldest message of ``queue``, taken by renaming it (only one consumer's rename succeeds)."""
        wanted = f"{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue
            taken = os.path.join(self.data_folder_in, f"{name}.taken-{uuid.uuid4().hex}")  # not "<queue>.msg"
            try:
                os.rename(os.path.join(self.data_folder_in, name), taken)
            except OSError:
                continue  # another consumer took it first
            try:
                with open(taken, "rb") as f:
                    payload = f.read()
                if self.store_processed:
                    shutil.move(taken, os.path.join(self.processed_folder, name))
                else:
                    os.remove(taken)
            except OSError as exc:
                raise ChannelError(f"Cannot read file {taken!r} from queue.") from exc
            return loads(bytes_to_str(payload))
        raise Empty()


class Transport(filesystem.Transport):
    Channel = Channel
