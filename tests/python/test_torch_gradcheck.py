"""dgc.torch.Physics: torch.autograd.gradcheck (float64, central finite
differences) of stdlib HBV's routed outputs with respect to parameters,
forcing and initial states, 2 basins x 2 components x 30 days; dynamic
parameters through dgc_set_dyn_params; then the same gradients from
Instance.backward and a run in float32 close to the float64 one. Synthetic
data: needs no shared/."""

import numpy as np
import torch

from common import HBV, check, finish
import dgc
import dgc.torch

torch.manual_seed(0)
model = dgc.compile(HBV)
T, B, K = 30, 2, 2
phys = dgc.torch.Physics(model, components=K, outputs=["streamflow", "AET", "SWE"])

# Parameters inside their bounds, away from the edges; forcing with snow in
# the first days, then rain; initial states > 0 (the stores are never at a kink).
u = 0.25 + 0.5 * torch.rand(B, K, len(model.params), dtype=torch.float64)
params = model.scale(u).requires_grad_()
day = torch.arange(T, dtype=torch.float64)
temp = (-4.0 + 0.5 * day)[:, None].expand(T, B) + 0.3 * torch.randn(T, B, dtype=torch.float64)
prcp = torch.rand(T, B, dtype=torch.float64) * 8
pet = 1.0 + torch.rand(T, B, dtype=torch.float64)
forcing = torch.stack([prcp, temp, pet], dim=2).requires_grad_()     # [T, B, 3] = P, T, PET
init = (torch.tensor([20.0, 2.0, 150.0, 10.0, 30.0], dtype=torch.float64)
        .expand(B, K, 5) * (1 + 0.1 * torch.rand(B, K, 5, dtype=torch.float64))).clone().requires_grad_()

# TT must stay away from the day temperatures (the rain/snow switch has no derivative)
tt = model.param_names.index("TT")
with torch.no_grad():
    params[..., tt] = 0.123
    forcing[..., 1] += torch.where((forcing[..., 1] - 0.123).abs() < 0.05, 0.2, 0.0)

ok = torch.autograd.gradcheck(lambda f, p, s: phys(f, p, init=s), (forcing, params, init),
                              eps=1e-6, atol=1e-7, rtol=1e-5)
check(ok, "gradcheck: d outputs / d (forcing, params, initial states), f64")

# dynamic parameters: δHBV (examples/dhbv) reads BETA and BETAET per step
from common import ROOT
dyn_model = dgc.compile(ROOT / "examples" / "dhbv" / "dhbv.dg")
dphys = dgc.torch.Physics(dyn_model, components=K, outputs=["streamflow"])
ud = 0.25 + 0.5 * torch.rand(B, K, len(dyn_model.params), dtype=torch.float64)
dparams = dyn_model.scale(ud)
dparams[..., dyn_model.param_names.index("TT")] = 0.123
dyn = dparams[None].expand(T, B, K, len(dyn_model.params)).clone()
for name in ("BETA", "BETAET"):
    i = dyn_model.param_names.index(name)
    dyn[..., i] = dyn[..., i] * (1 + 0.2 * torch.sin(day))[:, None, None]
dyn.requires_grad_()
ok = torch.autograd.gradcheck(lambda d: dphys(forcing.detach(), dparams, init=init.detach(), dyn_params=d),
                              (dyn,), eps=1e-6, atol=1e-7, rtol=1e-5)
check(ok, "gradcheck: d outputs / d dynamic parameters (δHBV's BETA, BETAET per step), f64")

# the module's gradient = Instance.backward of the same cotangent
y = phys(forcing, params, init=init)
w = torch.randn_like(y)
(y * w).sum().backward()
inst = model.instance(B, T, K, "f64")
inst.set_params(params.detach().numpy().transpose(2, 0, 1))
inst.set_forcing(forcing.detach().numpy().transpose(0, 2, 1))
inst.set_init_states(init.detach().numpy().transpose(2, 0, 1))
inst.forward()
dy = np.zeros(inst.shape["outputs"])
dy[:, phys.sel, :] = w.numpy().transpose(0, 2, 1)
inst.backward(dy)
check(np.array_equal(inst.grad("params").transpose(1, 2, 0), params.grad.numpy()),
      "Physics.backward = Instance.backward (params), bit for bit")
check(np.array_equal(inst.grad("forcing").transpose(0, 2, 1), forcing.grad.numpy()),
      "Physics.backward = Instance.backward (forcing), bit for bit")

# float32: the f32 kernels, within float32 noise of float64
y32 = phys(forcing.detach().float(), params.detach().float(), init=init.detach().float())
rel = ((y32.double() - y.detach()).abs() / (y.detach().abs() + 1e-3)).max().item()
check(y32.dtype == torch.float32 and rel < 1e-4, f"float32 run: max relative difference to float64 {rel:.2e}")
p32 = params.detach().float().requires_grad_()
phys(forcing.detach().float(), p32, init=init.detach().float())[..., 0].sum().backward()
p64 = params.detach().clone().requires_grad_()
phys(forcing.detach(), p64, init=init.detach())[..., 0].sum().backward()
g64, g32 = p64.grad, p32.grad.double()
grel = ((g32 - g64).abs().max() / g64.abs().max()).item()
check(grel < 1e-3, f"float32 gradient: max difference {grel:.2e} of the largest")

# errors come back as exceptions with the library's message
try:
    phys(forcing.detach(), params.detach()[:, :1])
    check(False, "a wrong params shape raises")
except dgc.DgcError as e:
    check("params must be" in str(e), f"a wrong params shape raises: {e}")
finish()
