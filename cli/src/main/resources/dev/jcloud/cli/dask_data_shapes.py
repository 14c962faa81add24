"""Dask's side of `jcloud bench gather|scatter S`, in the shape of dask_anchor.py.

Cluster: LocalCluster with 2 worker processes x 1 thread, loopback TCP, no dashboard.
  gather S   16 tasks each make an S-MiB bytes result; the client gathers all of them
  scatter S  the client scatters 16 S-MiB bytes values made beforehand; a task reads each
  alltoall S 16 tasks each make an S-MiB bytes result; 16 more tasks each read all of them
  args S     client.map over 16 S-MiB bytes values made beforehand, each task returning a length
Run: python3 dask_data_shapes.py gather|scatter|alltoall|args S [ROUNDS]   (ROUNDS defaults to 3)
MiB/s = 16*S / seconds, the best of ROUNDS rounds on the warm cluster; the median round is given
too. The last line printed is one JSON object with the figures.
"""
import json
import warnings
import sys
import time

import dask
from dask.distributed import Client, LocalCluster

BLOCKS = 16

# Dask warns about large values in the task graph (the args shape); the figure is what matters.
warnings.simplefilter("ignore")


def block(i, mib):
    return bytes([i % 256]) * (mib << 20)


def length(b):
    return len(b)


def total_length(*blocks):
    return sum(len(b) for b in blocks)


def cluster():
    return LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)


def timed(rounds, one_round):
    """Seconds of each of `rounds` rounds on one warm cluster; one_round(client, r) does round r
    and returns (seconds, what to drop before the next round)."""
    times = []
    with cluster() as c, Client(c) as client:
        client.submit(length, b"x").result()
        for r in range(rounds):
            seconds, kept = one_round(client, r)
            del kept
            times.append(seconds)
    return times


def made_beforehand(r, mib):
    return [block(r * BLOCKS + i, mib) for i in range(BLOCKS)]


def gather(mib, rounds):
    def one_round(client, r):
        t = time.perf_counter()
        values = client.gather(client.map(block, range(r * BLOCKS, (r + 1) * BLOCKS), mib=mib, pure=False))
        s = time.perf_counter() - t
        assert sum(len(v) for v in values) == BLOCKS * (mib << 20)
        return s, values
    return timed(rounds, one_round)


def scatter(mib, rounds):
    def one_round(client, r):
        values = made_beforehand(r, mib)
        t = time.perf_counter()
        futures = client.scatter(values)
        total = sum(client.gather(client.map(length, futures, pure=False)))
        s = time.perf_counter() - t
        assert total == BLOCKS * (mib << 20)
        return s, (futures, values)
    return timed(rounds, one_round)


def alltoall(mib, rounds):
    def one_round(client, r):
        t = time.perf_counter()
        blocks = client.map(block, range(r * BLOCKS, (r + 1) * BLOCKS), mib=mib, pure=False)
        reads = [client.submit(total_length, *blocks, pure=False) for _ in range(BLOCKS)]
        total = sum(client.gather(reads))
        s = time.perf_counter() - t
        assert total == BLOCKS * BLOCKS * (mib << 20)
        return s, (blocks, reads)
    return timed(rounds, one_round)


def args(mib, rounds):
    def one_round(client, r):
        values = made_beforehand(r, mib)
        t = time.perf_counter()
        total = sum(client.gather(client.map(length, values, pure=False)))
        s = time.perf_counter() - t
        assert total == BLOCKS * (mib << 20)
        return s, values
    return timed(rounds, one_round)


if __name__ == "__main__":
    shape, mib = sys.argv[1], int(sys.argv[2])
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    times = sorted({"gather": gather, "scatter": scatter, "alltoall": alltoall, "args": args}[shape](mib, rounds))
    seconds, median = times[0], times[(len(times) - 1) // 2]
    print(json.dumps({"shape": shape, "tasks": BLOCKS, "mib_each": mib, "seconds": round(seconds, 3),
                      "mib_per_s": round(BLOCKS * mib / seconds, 1), "rounds": rounds,
                      "median_seconds": round(median, 3), "engine": "dask " + dask.__version__}))
