#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Turn mview-bench --json output into a plot and a Markdown table.

  plot.py bench.json [more.json ...] [--png bench.png] [--md bench.md]

Several JSON files (runs of different sections, e.g. a full run and a
--only=stream run) are drawn together: the rows of all of them, the
machine line of the first; the Markdown table keeps each run's own.

The plot has the data plane: time to make an array visible to a second
process against its size, mview against pipe, socket and memcpy (and the
raw fd floor, Python rows and populate/hugetlb rows when present); and,
when the run has the stream section, the one-way frame hand-off (median
and p99) of streams through the API, the ring directly, iceoryx and a
pipe, against the cache-line and futex floors of the same run.
Needs matplotlib (Debian: python3-matplotlib) only for --png.
"""
import argparse
import json
import math
import sys

SERIES = [
    # transport key, label, style
    ("mview", "mview (publish, lookup, read 1 byte)", "o-"),
    ("fd", "raw fd + mmap (kernel floor)", "k--"),
    ("pipe", "pipe copy", "s-"),
    ("socket", "AF_UNIX socket copy", "^-"),
    ("memcpy", "memcpy (one process)", "d-"),
    ("py_mview", "Python mview lookup + numpy.asarray", "o:"),
    ("py_shm", "Python multiprocessing.shared_memory", "v:"),
    ("mview_populate", "mview + MADV_POPULATE_READ", "x-."),
    ("mview_huge", "mview, MFD_HUGETLB", "P-."),
]


def fmt(unit, v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if unit == "ns":
        for div, suffix in ((1e9, "s"), (1e6, "ms"), (1e3, "us")):
            if v >= div:
                return "%.3g %s" % (v / div, suffix)
        return "%.0f ns" % v
    if unit == "req/s":
        return "%.1fk/s" % (v / 1e3) if v >= 1e3 else "%.0f/s" % v
    return "%.0f B" % v


def series(rows):
    out = {}
    for r in rows:
        parts = r["key"].split(".")
        if parts[0] != "data" or r["median"] is None or not r["size"]:
            continue
        out.setdefault(parts[1], []).append((r["size"], r["median"]))
    return {k: sorted(v) for k, v in out.items()}


# Stream hand-off rows in the plot: key, label; busy-poll then blocking.
HANDOFF = [
    ("stream.floor.cacheline", "floor: cache line (spinning)"),
    ("stream.api.busy.64.1", "mview API, busy-poll, 64 B"),
    ("stream.api.busy.hd.1", "mview API, busy-poll, 1080p"),
    ("stream.ring.busy.64.1", "ring direct, busy-poll, 64 B"),
    ("stream.iox.busy.64", "iceoryx, busy-poll, 64 B"),
    ("stream.iox.busy.hd", "iceoryx, busy-poll, 1080p"),
    ("stream.floor.futex", "floor: futex wake (sleeping)"),
    ("stream.api.block.64.1", "mview API, blocking, 64 B"),
    ("stream.api.block.hd.1", "mview API, blocking, 1080p"),
    ("stream.api.block.64.4", "mview API, blocking, 64 B, 4 consumers"),
    ("stream.ring.block.64.1", "ring direct, blocking, 64 B"),
    ("stream.iox.ws.64", "iceoryx WaitSet, 64 B"),
    ("stream.iox.ws.hd", "iceoryx WaitSet, 1080p"),
    ("stream.pipe.64", "pipe, 64 B"),
]


def handoff_rows(rows):
    by_key = {r["key"]: r for r in rows}
    out = []
    for key, label in HANDOFF:
        r = by_key.get(key)
        if r is not None and r["median"] is not None:
            out.append((label, r["median"], r["p99"], r["ratio"]))
    return out


def plot_handoff(ax, rows):
    labels = [l for l, _, _, _ in rows][::-1]
    med = [m / 1e3 for _, m, _, _ in rows][::-1]
    p99 = [(p or m) / 1e3 for _, m, p, _ in rows][::-1]
    ratios = [q for _, _, _, q in rows][::-1]
    ys = range(len(rows))
    colors = ["0.35" if l.startswith("floor") else
              "C0" if l.startswith("mview") else
              "C2" if l.startswith("ring") else
              "C1" if l.startswith("iceoryx") else "C3" for l in labels]
    ax.barh(ys, med, color=colors, height=0.6)
    ax.plot(p99, ys, "k|", markersize=10)
    for y, m, q in zip(ys, med, ratios):
        if q is not None:
            ax.text(m * 1.08, y, "%.2fx floor" % q, va="center", fontsize=7)
    ax.set_yticks(list(ys))
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("one-way hand-off: publish to frame taken and read "
                  "(us; bar: median, |: p99)")
    ax.set_title("streams: frame hand-off, 1 consumer unless said\n"
                 "(ratio: to its floor measured right before the row)",
                 fontsize=10)
    ax.grid(True, axis="x", which="both", alpha=0.3)


def plot(doc, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = series(doc["rows"])
    handoff = handoff_rows(doc["rows"])
    if handoff:
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(15, 5.5), dpi=110,
                                      gridspec_kw={"width_ratios": [1, 1]})
        plot_handoff(ax2, handoff)
    else:
        fig, ax = plt.subplots(figsize=(8, 5.5), dpi=110)
    for key, label, style in SERIES:
        if key not in data:
            continue
        xs = [s for s, _ in data[key]]
        ys = [m / 1e3 for _, m in data[key]]
        ax.plot(xs, ys, style, label=label, linewidth=1.6, markersize=6)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ticks = [1 << 10, 1 << 20, 64 << 20, 1 << 30]
    ax.set_xticks(ticks)
    ax.set_xticklabels(["1 KiB", "1 MiB", "64 MiB", "1 GiB"])
    ax.set_xlabel("array size")
    ax.set_ylabel("time to make it visible to a second process (us, median)")
    m = doc["machine"]
    ax.set_title("mview-bench: sharing cost vs size\n%d CPUs, %s, %s" % (
        m["nproc"], m["cpu"], m["kernel"]), fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path)


def markdown(doc, out):
    m = doc["machine"]
    w = out.write
    w("Machine: %d CPUs (%s), %s, %d MiB RAM. Run %s, %s mode, %.0f s; "
      "load average %.2f at start, %.2f at end.\n\n" % (
          m["nproc"], m["cpu"], m["kernel"], m["mem_mib"], m["date"],
          "quick" if doc["options"]["quick"] else "full",
          doc["options"]["seconds"], m["load_start"][0], m["load_end"][0]))
    section = None
    for r in doc["rows"]:
        if r["section"] != section:
            section = r["section"]
            w("\n| %s | median | p99 | ratio | floor | note |\n"
              "|---|---:|---:|---:|---|---|\n" % section)
        p99 = r["p99"] if r["unit"] != "req/s" else r["latency_p99_ns"]
        p99s = fmt("ns" if r["unit"] == "req/s" else r["unit"], p99)
        ratio = "-" if r["ratio"] is None else "%.2fx" % r["ratio"]
        w("| %s | %s | %s | %s | %s | %s |\n" % (
            r["name"], fmt(r["unit"], r["median"]), p99s, ratio,
            r["floor"] or "-", r["note"].replace("|", "/")))
    w("\n| target | result | figures |\n|---|---|---|\n")
    for t in doc["targets"]:
        w("| %s | %s | %s |\n" % (t["name"], t["result"],
                                  t["figures"].replace("|", "/")))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json", nargs="+")
    ap.add_argument("--png")
    ap.add_argument("--md")
    a = ap.parse_args()
    docs = []
    for path in a.json:
        with open(path) as f:
            docs.append(json.load(f))
    doc = docs[0]
    if a.png:
        merged = dict(doc, rows=[r for d in docs for r in d["rows"]])
        try:
            plot(merged, a.png)
        except ImportError:
            sys.exit("plot.py: no matplotlib (Debian: apt-get install "
                     "python3-matplotlib)")
    if a.md:
        with open(a.md, "w") as f:
            for d in docs:
                markdown(d, f)
    if not a.png and not a.md:
        for d in docs:
            markdown(d, sys.stdout)


if __name__ == "__main__":
    main()
