"""The embedded broker (voucherhub.broker): a consumer never reads a message before it is whole."""

import threading

from kombu import Connection, Exchange, Queue

import voucherhub.celery  # noqa: F401  (registers the vhfs:// scheme)

PAYLOAD = "x" * 20_000


def test_messages_reach_a_concurrent_consumer_whole(tmp_path):
    for sub in ("queue", "processed", "control"):
        (tmp_path / sub).mkdir()
    options = {
        "data_folder_in": str(tmp_path / "queue"),
        "data_folder_out": str(tmp_path / "queue"),
        "processed_folder": str(tmp_path / "processed"),
        "store_processed": False,
        "control_folder": str(tmp_path / "control"),
        "polling_interval": 0.0005,  # the consumer looks often, and sleeps enough for the producer to run
    }
    sent, received, errors = 1500, [], []

    def consume():
        with Connection("vhfs://", transport_options=options) as conn:
            queue = conn.SimpleQueue("whole")
            try:
                while len(received) < sent:
                    message = queue.get(timeout=60)
                    received.append(message.payload)
                    message.ack()
            except Exception as exc:  # a half-read message raises here (JSONDecodeError on kombu's own)
                errors.append(exc)
            finally:
                queue.close()

    consumer = threading.Thread(target=consume)
    consumer.start()
    with Connection("vhfs://", transport_options=options) as conn:
        # A producer only, as the web process is (a SimpleQueue here would also consume).
        queue = Queue("whole", Exchange("whole"), routing_key="whole")
        producer = conn.Producer(serializer="json")
        for n in range(sent):
            producer.publish({"n": n, "data": PAYLOAD}, exchange=queue.exchange, routing_key="whole", declare=[queue])
    consumer.join(timeout=120)

    assert errors == []
    assert sorted(p["n"] for p in received) == list(range(sent))
    assert all(p["data"] == PAYLOAD for p in received)
    assert not list((tmp_path / "queue").iterdir())  # nothing left behind, no stray .part file
