"""Dask's side of `jcloud bench gather|scatter S`, in the shape of dask_anchor.py.

Cluster: LocalCluster with 2 worker processes x 1 thread, loopback TCP, no dashboard.
  gather S   16 tasks each make an S-MiB bytes result; the client gathers all of them
  scatter S  the client scatters 16 S-MiB bytes values made beforehand; a task reads each
MiB/s = 16*S / seconds, best of 3 rounds on the warm cluster. The last line printed is one JSON
object with the figure.
"""
import json
import sys
import time

import dask
from dask.distributed import Client, LocalCluster

BLOCKS = 16


def block(i, mib):
    return bytes([i % 256]) * (mib << 20)


def length(b):
    return len(b)


def cluster():
    return LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)


def gather(mib, rounds=3):
    with cluster() as c, Client(c) as client:
        client.submit(length, b"x").result()
        best = None
        for r in range(rounds):
            t = time.perf_counter()
            values = client.gather(client.map(block, range(r * BLOCKS, (r + 1) * BLOCKS), mib=mib, pure=False))
            s = time.perf_counter() - t
            assert sum(len(v) for v in values) == BLOCKS * (mib << 20)
            del values
            best = s if best is None else min(best, s)
    return best


def scatter(mib, rounds=3):
    with cluster() as c, Client(c) as client:
        client.submit(length, b"x").result()
        best = None
        for r in range(rounds):
            values = [block(r * BLOCKS + i, mib) for i in range(BLOCKS)]
            t = time.perf_counter()
            futures = client.scatter(values)
            total = sum(client.gather(client.map(length, futures, pure=False)))
            s = time.perf_counter() - t
            assert total == BLOCKS * (mib << 20)
            del futures, values
            best = s if best is None else min(best, s)
    return best


if __name__ == "__main__":
    shape, mib = sys.argv[1], int(sys.argv[2])
    seconds = {"gather": gather, "scatter": scatter}[shape](mib)
    print(json.dumps({"shape": shape, "tasks": BLOCKS, "mib_each": mib, "seconds": round(seconds, 3),
                      "mib_per_s": round(BLOCKS * mib / seconds, 1), "engine": "dask " + dask.__version__}))
