"""How fast the demo-data command fills PostgreSQL: seconds per million redemptions.

    .venv/bin/python bench/seed_speed.py [N] [--fresh] [--rebuild auto|always|never]

Loads N redemptions (default 1,000,000) with their vouchers, customers, orders, rollbacks, validations and
sessions through ``seed_demo``'s bulk path (demo.bulk: COPY) into a scratch database,
``postgres://postgres@127.0.0.1:5432/voucherhub_seedbench`` unless DATABASE_URL says otherwise; it is
created and migrated if missing. Without ``--fresh`` each run adds another load to what is there (five runs
of a million give five million); ``--fresh`` drops and recreates that database first, for a figure on an
empty database. Prints the phases, then the figure as the last line.
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/voucherhub_seedbench"


def recreate(url: str) -> None:
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(url)
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("redemptions", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the scratch database first")
    parser.add_argument("--rebuild", choices=("auto", "always", "never"), default="auto")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    if args.fresh:
        recreate(os.environ["DATABASE_URL"])
    setup_django()

    from demo import bulk as demo_bulk
    from redemptions.models import Redemption

    before = Redemption.objects.count()
    print(f"database {os.environ['DATABASE_URL'].rsplit('/', 1)[-1]}: {before:,} redemptions before", flush=True)
    started = time.perf_counter()
    result = demo_bulk.seed_bulk(
        redemptions=args.redemptions, seed=args.seed, password="bench", rebuild=args.rebuild, log=print
    )
    seconds = time.perf_counter() - started
    print(result.summary)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{Redemption.objects.count():,} redemptions now; peak RSS of this process {peak:,.0f} MB")
    per_million = seconds * 1_000_000 / args.redemptions
    print(f"seed_speed: {per_million:.1f} s per million redemptions ({args.redemptions:,} in {seconds:.1f} s)")


if __name__ == "__main__":
    main()
