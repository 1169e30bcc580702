"""The embedded broker (voucherhub.broker): a message being written is invisible to consumers, and what is
sent arrives whole and once."""

import uuid
from pathlib import Path

import pytest
from kombu import Connection, Exchange, Queue

import voucherhub.celery  # noqa: F401  (registers the vhfs:// scheme)
from voucherhub.broker import folder_options


@pytest.fixture
def queue() -> Queue:
    # A name of its own per test: kombu keeps declared exchanges per process, across folders.
    name = f"whole-{uuid.uuid4().hex[:8]}"
    return Queue(name, Exchange(name), routing_key=name)


@pytest.fixture
def options(tmp_path: Path) -> dict:
    return folder_options(tmp_path, polling_interval=0.01)


def send(options: dict, queue: Queue, payloads: list) -> None:
    with Connection("vhfs://", transport_options=options) as conn:
        producer = conn.Producer(serializer="json")  # a producer only, as the web process is
        for payload in payloads:
            producer.publish(payload, exchange=queue.exchange, routing_key=queue.routing_key, declare=[queue])


def receive(options: dict, declared: Queue, count: int) -> list:
    with Connection("vhfs://", transport_options=options) as conn:
        queue = conn.SimpleQueue(declared)
        try:
            received = []
            for _ in range(count):
                message = queue.get(timeout=5)
                received.append(message.payload)
                message.ack()
            return received
        finally:
            queue.close()


def test_messages_arrive_whole_and_once(options, queue, tmp_path):
    payloads = [{"n": n, "data": "x" * 20_000} for n in range(50)]
    send(options, queue, payloads)
    assert sorted(receive(options, queue, 50), key=lambda p: p["n"]) == payloads  # same millisecond: any order
    assert not list((tmp_path / "queue").iterdir())  # taken and removed, no stray file
    name = queue.name
    assert (tmp_path / "control" / f"{name}.exchange").read_text() == f'[["{name}", "", "{name}"]]'


def test_a_message_still_being_written_is_not_delivered(options, queue, tmp_path):
    send(options, queue, [{"n": 0}])
    (written,) = (tmp_path / "queue").iterdir()
    # What a producer part way through its write leaves: the half-written file under the .part name.
    writing = written.with_name(written.name + ".part")
    written.rename(writing)
    writing.write_bytes(writing.read_bytes()[:10])
    with Connection("vhfs://", transport_options=options) as conn:
        simple = conn.SimpleQueue(queue)
        with pytest.raises(simple.Empty):
            simple.get(timeout=0.3)
        simple.close()
    send(options, queue, [{"n": 1}])
    assert receive(options, queue, 1) == [{"n": 1}]
    assert list((tmp_path / "queue").iterdir()) == [writing]  # still not a message
