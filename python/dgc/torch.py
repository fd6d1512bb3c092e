"""A dgc model as a differentiable PyTorch module.

    phys = dgc.torch.Physics(model, components=16, outputs=["streamflow"])
    q = phys(forcing, params)      # forcing [T, B, ninputs], params [B, K, nparams] -> [T, B, 1]
    loss = ((q[..., 0] - qobs) ** 2).mean()
    loss.backward()                # through the adjoint kernels dgc generated

The forward runs the compiled kernels on CPU (float32 or float64, following
params.dtype), the backward calls dgc_backward: gradients reach params,
forcing, initial states, dynamic parameters and network weights. Parameters
are physical values (inside their bounds): model.scale(torch.sigmoid(raw))
maps a network's raw outputs into them, as δHBV does."""

import numpy as np
import torch

from . import DgcError

__all__ = ["Physics", "PhysicsFunction"]


def _np(t):
    return t.detach().cpu().contiguous().numpy()


class PhysicsFunction(torch.autograd.Function):
    """forward(spec, forcing, params, init, dyn_params, netw) -> [T, B, nsel].

    spec: (model, K, selected output indices); the tensors as in Physics.forward
    (init, dyn_params, netw may be None)."""

    @staticmethod
    def forward(ctx, spec, forcing, params, init, dyn_params, netw):
        model, K, sel = spec
        if params.dtype not in (torch.float32, torch.float64):
            raise DgcError(f"params must be float32 or float64, not {params.dtype}")
        prec = "f64" if params.dtype == torch.float64 else "f32"
        T, B, ni = forcing.shape
        np_ = len(model.params)
        if params.shape != (B, K, np_):
            raise DgcError(f"params must be [B={B}, K={K}, {np_}], got {tuple(params.shape)}")
        inst = model.instance(B, T, K, prec, grads=True)
        dt = inst.dtype
        inst.set_params(_np(params).astype(dt, copy=False).transpose(2, 0, 1))          # [np, B, K]
        inst.set_forcing(_np(forcing).astype(dt, copy=False).transpose(0, 2, 1))        # [T, ni, B]
        if init is not None:
            inst.set_init_states(_np(init).astype(dt, copy=False).transpose(2, 0, 1))   # [ns, B, K]
        if dyn_params is not None:
            inst.set_dyn_params(_np(dyn_params).astype(dt, copy=False).transpose(0, 3, 1, 2))   # [T, np, B, K]
        if netw is not None:
            inst.set_netw(_np(netw).astype(dt, copy=False))
        inst.forward()
        y = inst.outputs()[:, sel, :].transpose(0, 2, 1)                                 # [T, B, nsel]
        ctx.inst, ctx.sel = inst, sel
        ctx.dtypes = (forcing.dtype, params.dtype)
        ctx.has = (init is not None, dyn_params is not None, netw is not None)
        return torch.from_numpy(np.ascontiguousarray(y)).to(params.dtype)

    @staticmethod
    def backward(ctx, gy):
        inst, sel = ctx.inst, ctx.sel
        dy = np.zeros(inst.shape["outputs"], dtype=inst.dtype)                           # [T, no, B]
        dy[:, sel, :] = _np(gy).astype(inst.dtype, copy=False).transpose(0, 2, 1)
        inst.backward(dy)
        fdt, pdt = ctx.dtypes
        has_init, has_dyn, has_netw = ctx.has
        need = ctx.needs_input_grad
        t = lambda a, dtype: torch.from_numpy(np.ascontiguousarray(a)).to(dtype)
        g_forcing = t(inst.grad("forcing").transpose(0, 2, 1), fdt) if need[1] else None
        g_params = t(inst.grad("params").transpose(1, 2, 0), pdt) if need[2] else None
        g_init = t(inst.grad("init_states").transpose(1, 2, 0), pdt) if has_init and need[3] else None
        g_dyn = t(inst.grad("dyn_params").transpose(0, 2, 3, 1), pdt) if has_dyn and need[4] else None
        g_netw = t(inst.grad("netw"), pdt) if has_netw and need[5] else None
        return None, g_forcing, g_params, g_init, g_dyn, g_netw


class Physics(torch.nn.Module):
    """The model's physics as a module.

    model       a dgc.Model (dgc.compile)
    components  K per basin (default: the model's)
    outputs     names of the outputs to return (default: all, in model order)

    forward(forcing, params, init=None, dyn_params=None, netw=None):
      forcing     [T, B, ninputs]  (model.inputs order)
      params      [B, K, nparams]  physical values (model.param_names order)
      init        [B, K, nstates]  initial states (all of model.all_states), or None: the model's
      dyn_params  [T, B, K, nparams] values of dynamic parameters per step, or None
      netw        [nnetw] weights of in-equation networks, or None (zeros)
      -> [T, B, len(outputs)], averaged over components and routed
    """

    def __init__(self, model, components=None, outputs=None):
        super().__init__()
        self.model = model
        self.components = int(components or model.components)
        names = outputs or model.outputs
        unknown = [n for n in names if n not in model.outputs]
        if unknown:
            raise DgcError(f"{unknown}: not outputs of {model.name} ({model.outputs})")
        self.outputs = list(names)
        self.sel = [model.outputs.index(n) for n in names]

    def forward(self, forcing, params, init=None, dyn_params=None, netw=None):
        spec = (self.model, self.components, self.sel)
        return PhysicsFunction.apply(spec, forcing, params, init, dyn_params, netw)

    def extra_repr(self):
        return f"model={self.model.name}, components={self.components}, outputs={self.outputs}"
