#!/usr/bin/env python3
"""Caravan's ERA5-Land precipitation against the Daymet precipitation behind
the CAMELS climate attributes, basin by basin, and how each difference goes
with the regional model's test NSE.

CAMELS computes p_mean, high_prec_freq (days a year with at least 5x the mean
daily precipitation) and low_prec_freq (days a year under 1 mm) from Daymet
over 1989-10-01..2009-09-30 (Addor et al. 2017). This script computes the same
three from the Caravan CSVs over the same days, so the two forcings are
compared on the same definition, and prints medians overall and by NSE
quartile of a metrics CSV written by `eval --out`.

usage: compare_forcing.py CARAVAN_DIR CAMELS_ATTR_DIR METRICS_CSV
"""
import csv
import os
import sys

import numpy as np

FIRST, LAST = "1989-10-01", "2009-09-30"


def read_attributes(path, columns):
    rows = {}
    with open(path, newline="") as f:
        for rec in csv.DictReader(f, delimiter=";"):
            rows[rec["gauge_id"].strip()] = {c: float(rec[c]) if rec[c] != "NA" else float("nan") for c in columns}
    return rows


def era5_precip_stats(csv_path):
    """p_mean, high_prec_freq, low_prec_freq of total_precipitation_sum over FIRST..LAST."""
    values = []
    with open(csv_path, newline="") as f:
        for rec in csv.DictReader(f):
            if FIRST <= rec["date"] <= LAST and rec["total_precipitation_sum"] not in ("", "nan", "NaN"):
                values.append(float(rec["total_precipitation_sum"]))
    p = np.asarray(values)
    years = len(p) / 365.25
    mean = p.mean()
    return mean, np.sum(p >= 5.0 * mean) / years, np.sum(p < 1.0) / years


def spearman(x, y):
    ok = ~(np.isnan(x) | np.isnan(y))
    if ok.sum() < 3:
        return float("nan")
    rank = lambda v: np.argsort(np.argsort(v))
    return np.corrcoef(rank(x[ok]), rank(y[ok]))[0, 1]


def read_nse(path):
    nse = {}
    with open(path, newline="") as f:
        for rec in csv.DictReader(f):
            if rec["basin"] != "median":
                nse[rec["basin"]] = float(rec["nse"])
    return nse


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[-1])
    caravan, attr_dir, metrics = sys.argv[1:]
    clim = read_attributes(os.path.join(attr_dir, "camels_clim.txt"),
                           ["p_mean", "high_prec_freq", "low_prec_freq", "aridity"])
    hydro = read_attributes(os.path.join(attr_dir, "camels_hydro.txt"), ["q_mean"])
    nse = read_nse(metrics)
    basins = sorted(nse)
    table = []
    for b in basins:
        mean, high, low = era5_precip_stats(os.path.join(caravan, "timeseries", "csv", "camels",
                                                         f"camels_{b}.csv"))
        c = clim[b]
        table.append((nse[b], mean / c["p_mean"], high / c["high_prec_freq"], low - c["low_prec_freq"],
                      hydro[b]["q_mean"] / mean, hydro[b]["q_mean"] / c["p_mean"], c["aridity"]))
    t = np.asarray(table)
    names = ["ERA5-Land / Daymet mean P", "ERA5-Land / Daymet days >= 5x mean P",
             "ERA5-Land - Daymet days < 1 mm (per year)", "runoff ratio Q / P, ERA5-Land P",
             "runoff ratio Q / P, Daymet P"]
    print(f"{len(basins)} basins, {FIRST}..{LAST}; medians (10th..90th percentile)")
    for j, name in enumerate(names, start=1):
        q10, q50, q90 = np.nanpercentile(t[:, j], [10, 50, 90])
        print(f"  {name:44s} {q50:8.3f}  ({q10:.3f}..{q90:.3f})")
    print(f"  basins without q_mean: {int(np.sum(np.isnan(t[:, 4])))}; with Q > ERA5-Land P: {int(np.sum(t[:, 4] > 1))}; with Q > Daymet P: {int(np.sum(t[:, 5] > 1))}")
    print("by quartile of test NSE: median of each column")
    edges = np.percentile(t[:, 0], [0, 25, 50, 75, 100])
    print(f"  {'NSE quartile':18s} {'NSE':>7s} {'P ratio':>8s} {'high-P ratio':>13s} {'dry-day diff':>13s} {'Q/P ERA5':>9s}")
    for k in range(4):
        sel = (t[:, 0] >= edges[k]) & ((t[:, 0] <= edges[k + 1]) if k == 3 else (t[:, 0] < edges[k + 1]))
        m = np.nanmedian(t[sel], axis=0)
        print(f"  {k + 1} ({int(sel.sum())} basins){'':5s} {m[0]:7.3f} {m[1]:8.3f} {m[2]:13.3f} {m[3]:13.1f} {m[4]:9.3f}")
    print("Spearman correlation with test NSE: P ratio %.2f, high-P ratio %.2f, dry-day diff %.2f, Q/P ERA5 %.2f"
          % tuple(spearman(t[:, 0], t[:, j]) for j in (1, 2, 3, 4)))
    # Dry basins are hard for any model, and ERA5-Land differs most there:
    # within each aridity quartile the correlation no longer carries aridity.
    edges = np.percentile(t[:, 6], [0, 25, 50, 75, 100])
    for k in range(4):
        sel = (t[:, 6] >= edges[k]) & ((t[:, 6] <= edges[k + 1]) if k == 3 else (t[:, 6] < edges[k + 1]))
        s = t[sel]
        print(f"  aridity {edges[k]:.2f}-{edges[k + 1]:.2f} ({int(sel.sum())} basins): median NSE {np.median(s[:, 0]):.3f}, "
              f"dry-day diff {np.median(s[:, 3]):.1f}; Spearman with NSE: high-P ratio {spearman(s[:, 0], s[:, 2]):.2f}, "
              f"dry-day diff {spearman(s[:, 0], s[:, 3]):.2f}")


if __name__ == "__main__":
    main()
