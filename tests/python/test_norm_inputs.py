"""norm(X) through the C API and the Python package: a model library that
reads inputs through norm() refuses to run until the statistics are given
(dgc_set_input_stats, Model.input_stats); with them, the output norm(T) * c
is (T - mean) / std * c, and torch.autograd.gradcheck (float64) passes for
the forcing and the parameters: the adjoint sends 1/std to the forcing and
treats the statistics as constants. Synthetic data: needs no shared/."""

import numpy as np
import torch

from common import ROOT, check, finish
import dgc
import dgc.torch

torch.manual_seed(0)
model = dgc.compile(ROOT / "tests" / "gradcheck_norm" / "norm_inputs.dg", model="norm_step")
check(model.norm_inputs == ["P", "T", "PET"], f"the inputs read through norm(): {model.norm_inputs}")

T, B = 40, 2
day = np.arange(T, dtype=np.float64)
forcing = {"P": 4 * (1 + np.sin(day / 3))[:, None].repeat(B, 1), "T": (5 + 8 * np.sin(day / 9))[:, None] + np.arange(B),
           "PET": (1.5 + 0.5 * np.cos(day / 7))[:, None].repeat(B, 1)}
params = {"k": 0.1, "c": 0.6}
try:
    model.simulate(forcing, params)
    check(False, "a norm() model without statistics must not run")
except dgc.DgcError as e:
    check("norm()" in str(e) and "input_stats" in str(e), f"refused without statistics: {e}")

raw = dgc.Instance(model, B, T, 1)   # the library's own check, past the package's
raw.set_params(np.array([0.1, 0.6]).reshape(2, 1, 1).repeat(B, 1))
try:
    raw.forward()
    check(False, "dgc_forward of a norm() model without statistics must fail")
except dgc.DgcError as e:
    check("dgc_set_input_stats" in str(e), f"dgc_forward refused: {e}")

stats = {"P": (3.0, 2.5), "T": (4.0, 6.0), "PET": (1.2, 0.4)}
model.input_stats = stats
out = model.simulate(forcing, params)
want = (forcing["T"] - 4.0) / 6.0 * 0.6
check(np.allclose(out["z"], want, rtol=0, atol=1e-12), "z = (T - mean) / std * c with the given statistics")

# the library itself checks the statistics (a standard deviation of 0 divides by zero)
inst = model.instance(B, T, 1)
try:
    inst.set_input_stats([0.0, 0.0, 0.0], [1.0, 0.0, 1.0])
    check(False, "a standard deviation of 0 must be refused")
except dgc.DgcError as e:
    check("standard deviation" in str(e), f"std 0 refused: {e}")

phys = dgc.torch.Physics(model, components=1, outputs=["q", "z"])
f = torch.tensor(np.stack([forcing["P"], forcing["T"], forcing["PET"]], axis=2), dtype=torch.float64).requires_grad_()
p = torch.tensor([[[0.1, 0.6]]], dtype=torch.float64).expand(B, 1, 2).clone().requires_grad_()
netw = torch.tensor(0.3 * np.sin(np.arange(model.nnetw)), dtype=torch.float64)
ok = torch.autograd.gradcheck(lambda f_, p_: phys(f_, p_, netw=netw), (f, p), eps=1e-6, atol=1e-7, rtol=1e-5)
check(ok, "gradcheck: d outputs / d (forcing, params) through norm(), f64")
finish()
