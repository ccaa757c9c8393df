#!/usr/bin/env python3
"""tailback_results.py - load a tailback sweep's results into one table (standard library; pandas when present).

A sweep folder holds runs.csv (one row per run), summary.csv (one row per
configuration and metric, with 95% intervals), comparisons.csv (paired
differences) and manifest.json (the experiment and how to reproduce it).
This module reads them as data, never as code:

    import tailback_results as tr
    runs = tr.load_runs("results/mm1-load-sweep")        # one row per run
    est = tr.load_summary("results/mm1-load-sweep")      # one row per estimate
    wide = tr.load_sweep("results/mm1-load-sweep")       # one row per configuration,
                                                         # a column per metric (the estimate)

Without pandas each is a list of dicts; with pandas (and as_frame left at
its default) a pandas.DataFrame.  Numbers are floats (an empty field is
None, or NaN in a DataFrame; "inf" is infinity), the varied parameters and
the alternative are strings as the CSV holds them, and the integer
columns (index, config, replication, seed, n, censored) are ints.

From the command line, `python3 contrib/tailback_results.py DIR` prints
the wide table as CSV on standard output.
"""

import csv
import json
import math
import os
import sys

INT_COLUMNS = {"index", "config", "replication", "seed", "n", "censored"}
TEXT_COLUMNS = {"policy", "baseline", "metric", "estimator", "note"}


def _pandas():
    try:
        import pandas  # noqa: F401 (optional)
        return pandas
    except ImportError:
        return None


def _value(column, text, varied):
    if column in TEXT_COLUMNS or column in varied:
        return text
    if text == "":
        return None
    if column in INT_COLUMNS or column.endswith(".censored"):
        try:
            return int(text)
        except ValueError:
            pass
    try:
        return float(text)  # also "inf", "-inf"
    except ValueError:
        return text


def _varied(folder):
    """The varied parameters' column names, from the manifest's experiment."""
    try:
        with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as f:
            man = json.load(f)
    except (OSError, ValueError):
        return set()
    doc = man.get("experiment_document") or {}
    return set((doc.get("vary") or {}).keys())


def _read(folder, name, as_frame):
    varied = _varied(folder)
    with open(os.path.join(folder, name), newline="", encoding="utf-8") as f:
        rows = [{k: _value(k, v, varied) for k, v in r.items()} for r in csv.DictReader(f)]
    pd = _pandas() if as_frame is not False else None
    if as_frame and pd is None:
        raise ImportError("as_frame=True needs pandas (apt-get install python3-pandas)")
    return pd.DataFrame(rows) if pd is not None else rows


def load_runs(folder, as_frame=None):
    """runs.csv: one row per run (index, config, replication, seed, the varied
    parameters, policy, then every metric)."""
    return _read(folder, "runs.csv", as_frame)


def load_summary(folder, as_frame=None):
    """summary.csv: one row per configuration and metric (n, mean, sd,
    ci95_low, ci95_high, estimator, censored, note)."""
    return _read(folder, "summary.csv", as_frame)


def load_comparisons(folder, as_frame=None):
    """comparisons.csv: the paired differences (policy minus baseline)."""
    return _read(folder, "comparisons.csv", as_frame)


def load_manifest(folder):
    with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as f:
        return json.load(f)


def load_sweep(folder, as_frame=None):
    """One row per configuration: config, the varied parameters, policy, then
    for every metric its estimate (column METRIC) and interval
    (METRIC.low, METRIC.high)."""
    est = load_summary(folder, as_frame=False)
    wide, order = {}, []
    for r in est:
        key = r["config"]
        if key not in wide:
            row = {}
            for k, v in r.items():
                if k in ("metric", "n", "mean", "sd", "ci95_low", "ci95_high", "estimator", "censored", "note"):
                    break
                row[k] = v
            wide[key] = row
            order.append(key)
        m = r["metric"]
        wide[key][m] = r["mean"]
        wide[key][m + ".low"] = r["ci95_low"]
        wide[key][m + ".high"] = r["ci95_high"]
    rows = [wide[k] for k in order]
    pd = _pandas() if as_frame is not False else None
    if as_frame and pd is None:
        raise ImportError("as_frame=True needs pandas (apt-get install python3-pandas)")
    return pd.DataFrame(rows) if pd is not None else rows


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print("usage: tailback_results.py SWEEP_DIR   (the wide table, one row per configuration, as CSV)")
        return 0 if len(argv) == 2 else 2
    rows = load_sweep(argv[1], as_frame=False)
    if not rows:
        return 1
    cols = list(rows[0].keys())
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow(["" if r.get(c) is None else ("inf" if r.get(c) == math.inf else r.get(c)) for c in cols])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
