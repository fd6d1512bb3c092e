"""Shared by the tests of the Python package (ctest labels python, bmi):
where things are, the reference files, skipping (exit 77) when shared/ is
absent, and a check counter that fails the test at the end."""

import csv
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("DG_SHARED_DIR", ROOT.parent / "shared"))
REF = SHARED / "reference"
HBV = ROOT / "stdlib" / "models" / "hbv.dg"
CAMELS = SHARED / "data" / "camels_us"

sys.path.insert(0, str(ROOT / "python"))

_failed = 0
_checks = 0


def skip_unless(path, what):
    if not Path(path).exists():
        print(f"{what} not found at {path}: skipped")
        sys.exit(77)


def check(ok, what):
    global _failed, _checks
    _checks += 1
    if not ok:
        _failed += 1
    print(f"{'ok' if ok else 'NOT OK'}  {what}")


def finish():
    print(f"{_checks - _failed} passed, {_failed} failed")
    sys.exit(1 if _failed or not _checks else 0)


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def reference_case(case):
    """(nmul, {param: [K] or scalar}, gradient rows) of a case of params.csv / gradients.csv."""
    rows = [r for r in read_csv(REF / "params.csv") if r["case"] == case]
    nmul = int(rows[0]["nmul"])
    params = {}
    for r in rows:
        if r["kind"] not in ("phy", "route"):
            continue
        name = r["name"][3:] if r["name"].startswith("par") else r["name"]
        if r["kind"] == "route":
            params[name] = float(r["value_f64"])
        else:
            params.setdefault(name, [0.0] * nmul)[int(r["component"])] = float(r["value_f64"])
    grads = [r for r in read_csv(REF / "gradients.csv") if r["case"] == case]
    return nmul, params, grads


def reference_forcing():
    """{P, T, PET, Q_obs} lists and dates from forcing_01031500.csv."""
    rows = read_csv(REF / "forcing_01031500.csv")
    col = lambda n: [float(r[n]) if r[n] != "" else float("nan") for r in rows]
    return {"P": col("prcp"), "T": col("tmean"), "PET": col("PET"), "Q_obs": col("Q_obs"),
            "date": [r["date"] for r in rows]}
