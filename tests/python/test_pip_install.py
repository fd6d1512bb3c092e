"""The package installs with pip (offline: --no-build-isolation, Debian's
setuptools) and the installed copy compiles and runs a model with the dgc
of $DGC; a compile error comes back as DgcError with dgc's diagnostic."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from common import ROOT, check, finish

target = Path(tempfile.mkdtemp(prefix="dgc-pip-"))
r = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-build-isolation", "--no-deps",
                    "--target", str(target), str(ROOT / "python")], capture_output=True, text=True)
check(r.returncode == 0 and (target / "dgc" / "__init__.py").is_file(), f"pip install --target: {r.stderr.strip()[-300:]}")

bad = target / "bad.dg"
bad.write_text('model m {\n  input P : mm/d\n  state S : mm = 1\n  flux q : mm/d = k * S\n  dS/dt = P - q\n}\n')
code = f"""
import numpy as np, dgc
assert dgc.__file__.startswith({str(target)!r}), dgc.__file__
m = dgc.compile({str(ROOT / 'stdlib' / 'models' / 'hbv.dg')!r})
out = m.simulate({{"P": np.full(20, 3.0), "T": np.full(20, 5.0), "PET": np.full(20, 1.0)}},
                 {{n: 0.5 * (p["lo"] + p["hi"]) for n, p in zip(m.param_names, m.params)}})
assert out["streamflow"].shape == (20, 1) and np.all(np.isfinite(out["streamflow"]))
try:
    dgc.compile({str(bad)!r})
    print("no error")
except dgc.DgcError as e:
    print("DgcError:", e)
"""
env = dict(os.environ, PYTHONPATH=str(target))
r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=str(target))
print(r.stdout, r.stderr)
check(r.returncode == 0, "the installed package compiles and simulates HBV")
check("DgcError" in r.stdout and "unknown name 'k'" in r.stdout, "a model with an error raises DgcError with dgc's message")
finish()
