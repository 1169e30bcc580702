"""kombu's filesystem transport (the embedded broker of ``make run`` and of the SQLite test runs), with
messages that appear whole.

kombu writes a message into its final ``*.<queue>.msg`` file in place, while a consumer may already move
that file away and read it: a consumer that came early read half a message and the worker died on a
``JSONDecodeError`` (seen in the worker tests, about one run in twelve). Here a message is written under a
name consumers skip (``.part`` after the queue name) and renamed into place, which is atomic on one file
system, so a consumer sees a message whole or not at all.

Registered as the ``vhfs://`` broker URL scheme (voucherhub.celery); options as for ``filesystem://``.
"""

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

SCHEME = "vhfs"


class Channel(filesystem.Channel):
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
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
