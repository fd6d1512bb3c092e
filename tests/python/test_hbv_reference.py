"""stdlib HBV through the Python package (dgc.compile -> shared library ->
Model.simulate, Instance.backward) against the hydrodl2 float64 reference
of shared/reference (basin 01031500, 1980-10-01..1990-09-30, three cases):
every daily output within 1e-10 relative (floor 1e-3 mm/day), the loss and
dL/dθ of every parameter within 1e-10 * max(|g|, 1e-6 max|g|); f32 within
the reference README's float32 tolerances. Exit 77 when shared/ is absent."""

import numpy as np

from common import HBV, REF, check, finish, read_csv, reference_case, reference_forcing, skip_unless

skip_unless(REF / "params.csv", "shared/reference")
import dgc

model = dgc.compile(HBV)
f = reference_forcing()
forcing = {n: np.array(f[n]) for n in ("P", "T", "PET")}
qobs = np.array(f["Q_obs"])
T = len(qobs)
check(model.name == "hbv" and model.inputs == ["P", "T", "PET"], f"compiled {model}")

for case in ("nmul1_u050", "nmul1_uvar", "nmul4"):
    nmul, params, grads = reference_case(case)
    ref = read_csv(REF / f"hbv_{case}_f64.csv")
    p = {n: (np.array(v)[None, :] if isinstance(v, list) else v) for n, v in params.items()}   # [1, K]
    for prec, tol in (("f64", 1e-10), ("f32", None)):
        out = model.simulate(forcing, p, precision=prec, components=nmul)
        worst, where = 0.0, ""
        for name in model.outputs:
            if name not in ref[0]:
                continue
            r = np.array([float(row[name]) for row in ref])
            d = np.abs(out[name][:, 0] - r)
            if prec == "f64":
                e = d / (tol * np.maximum(np.abs(r), 1e-3))
            elif name == "streamflow":
                e = d / (1e-4 + 1e-4 * np.abs(r))
            else:
                e = d / (1e-3 * np.maximum(np.abs(r), 1e-3))
            if e.max() > worst:
                worst, where = e.max(), f"{name} on {f['date'][int(e.argmax())]}"
        check(worst <= 1, f"{case} {prec}: every output within the tolerance (worst {worst:.3g} of it, {where})")

    # gradients: L = mean (streamflow - Q_obs)^2, dL/dy = 2 (y - Q_obs) / N
    inst = model.instance(1, T, nmul, "f64")
    names = model.param_names
    static = np.empty((len(names), 1, nmul))
    for i, n in enumerate(names):
        static[i] = np.broadcast_to(p[n], (1, nmul))
    inst.set_params(static)
    inst.set_forcing(np.stack([forcing[n] for n in model.inputs], axis=1)[:, :, None])
    inst.forward()
    y = inst.outputs()
    iq = model.outputs.index("streamflow")
    L = np.mean((y[:, iq, 0] - qobs) ** 2)
    Lref = float([r for r in read_csv(REF / "summary.csv") if r["case"] == case][0]["loss_f64"])
    check(abs(L - Lref) <= 1e-10 * abs(Lref), f"{case}: loss {L:.17g} vs {Lref:.17g}")
    dy = np.zeros_like(y)
    dy[:, iq, 0] = 2 * (y[:, iq, 0] - qobs) / T
    inst.backward(dy)
    g = inst.grad("params")[:, 0, :]                     # [np, K]
    gref = {}
    for r in grads:
        n = r["name"][3:] if r["name"].startswith("par") else r["name"]
        k = int(r["component"]) if r["component"] != "" else 0
        gref[(n, k)] = float(r["dL_dparam_f64"])
    gmax = max(abs(v) for v in gref.values())
    worst, where = 0.0, ""
    for (n, k), v in gref.items():
        e = abs(g[names.index(n), k] - v) / (1e-10 * max(abs(v), 1e-6 * gmax))
        if e > worst:
            worst, where = e, f"{n}[{k}]"
    check(len(gref) == len(names) * nmul - 2 * (nmul - 1) and worst <= 1,
          f"{case}: dL/dθ of {len(gref)} parameters within 1e-10 (worst {worst:.3g} of it, {where})")

finish()
