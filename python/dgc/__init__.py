"""dgc models from Python.

    import dgc
    hbv = dgc.compile("stdlib/models/hbv.dg")           # a shared library, cached
    out = hbv.simulate({"P": p, "T": t, "PET": pet},     # arrays [T, B]
                       {"FC": 300.0, "BETA": 2.0})      # scalar, [B], [B, K] or [T, B, K]
    out["streamflow"]                                    # [T, B]

The model runs in its compiled kernels (runtime/dgc_model_api.h through
ctypes); `dgc.torch.Physics` makes it a differentiable PyTorch module whose
backward is the adjoint dgc generated. NumPy is the only dependency
(PyTorch for dgc.torch)."""

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from . import _lib
from ._lib import DgcError

__all__ = ["compile", "load", "Model", "Instance", "DgcError", "find_dgc"]
__version__ = "0.1.0"

_DTYPES = {"f32": (np.float32, _lib.F32), "f64": (np.float64, _lib.F64)}


# ---- Finding dgc and compiling -------------------------------------------------------------

def find_dgc(dgc=None):
    """The dgc executable: the argument, $DGC, build/bin/dgc of the source
    tree this package sits in, or dgc on PATH."""
    candidates = [dgc, os.environ.get("DGC"),
                  Path(__file__).resolve().parent.parent.parent / "build" / "bin" / "dgc",
                  shutil.which("dgc")]
    for c in candidates:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return Path(c).resolve()
    raise DgcError("dgc not found: set $DGC, build the source tree (make build) or put dgc on PATH")


_IMPORT = re.compile(r'^\s*import\s+"([^"]+)"', re.M)


def _source_files(path, dgc):
    """The file and, as far as they can be found, the files it imports
    (its folder, $DGC_PATH, the standard library next to dgc's build)."""
    dirs = [Path(d) for d in os.environ.get("DGC_PATH", "").split(":") if d]
    dirs.append(dgc.parent.parent.parent / "stdlib")
    seen, pending, found = set(), [Path(path).resolve()], []
    while pending:
        f = pending.pop()
        if f in seen or not f.is_file():
            continue
        seen.add(f)
        found.append(f)
        for name in _IMPORT.findall(f.read_text(errors="replace")):
            for d in [f.parent] + dirs:
                if (d / name).is_file():
                    pending.append((d / name).resolve())
                    break
    return found


def _digest(path, model, dgc):
    h = hashlib.sha256()
    h.update(f"api{_lib.API_VERSION}\0model={model or ''}\0".encode())
    extra = [dgc, dgc.parent.parent / "runtime" / "libdgcapi.a"]   # the compiler and the library it links
    for f in extra + _source_files(path, dgc):
        if f.is_file():
            h.update(str(f).encode() + b"\0")
            h.update(f.read_bytes())
    return h.hexdigest()[:20]


def compile(path, model=None, dgc=None, cache_dir=None, extra_args=()):
    """Compiles model `model` (default: the last) of the .dg file `path` to a
    shared library with dgc --shared, or reuses the cached library of the
    same source, imports and dgc. Returns a Model."""
    path = Path(path)
    if not path.is_file():
        raise DgcError(f"{path}: no such file")
    dgc = find_dgc(dgc)
    cache = Path(cache_dir or os.environ.get("DGC_CACHE") or Path.home() / ".cache" / "dgc")
    cache.mkdir(parents=True, exist_ok=True)
    key = _digest(path, model, dgc)
    lib = cache / f"lib{model or path.stem}-{key}.so"
    if not lib.is_file():
        fd, tmp = tempfile.mkstemp(suffix=".so", dir=cache)
        os.close(fd)
        cmd = [str(dgc), str(path), "--shared", "-o", tmp, "--color=never", *extra_args]
        if model:
            cmd += ["--model", model]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            os.unlink(tmp)
            raise DgcError(f"dgc failed (exit {r.returncode}):\n{r.stderr.strip()}")
        os.replace(tmp, lib)   # atomic: a concurrent compile of the same key writes the same library
    return Model(lib)


def load(path):
    """A Model from a library built with `dgc model.dg --shared -o path`."""
    return Model(path)


# ---- Models ---------------------------------------------------------------------------------

def _names(lib, kind):
    return [lib.model_var_name(kind, i).decode() for i in range(lib.model_count(kind))]


class Model:
    """A compiled model: its description and runs on NumPy arrays."""

    def __init__(self, path):
        self.lib = _lib.Library(path)
        L = self.lib
        self.name = L.model_name().decode()
        self.doc = L.model_doc().decode()
        self.inputs = _names(L, _lib.INPUTS)
        self.outputs = _names(L, _lib.OUTPUTS)
        self.all_states = _names(L, _lib.STATES)
        self.states = self.all_states[:L.model_user_states()]
        self.components = L.model_components()
        self.nnetw = L.model_nnetw()
        # inputs read through norm(X) = (X - mean) / std; their statistics
        # {input: (mean, std)} (those of the training run, which `train`
        # prints) go to every instance made after they are set
        self.norm_inputs = [n for i, n in enumerate(self.inputs) if L.model_norm_input(i) == 1]
        self.input_stats = {}
        self.params = []
        for i in range(L.model_count(_lib.PARAMS)):
            lo, hi, val = C_double(), C_double(), C_double()
            mark, basin = C_int(), C_int()
            L.check(L.model_param_info(i, lo, hi, val, mark, basin), "dgc_model_param_info")
            self.params.append({
                "name": L.model_var_name(_lib.PARAMS, i).decode(),
                "unit": L.model_var_unit(_lib.PARAMS, i).decode(),
                "lo": lo.value, "hi": hi.value, "default": val.value,
                "mark": ("learned", "fixed", "dynamic")[mark.value], "basin_level": bool(basin.value)})
        self.param_names = [p["name"] for p in self.params]

    def __repr__(self):
        return f"<dgc.Model {self.name}: {len(self.inputs)} inputs, {len(self.params)} parameters, " \
               f"{len(self.states)} states, {len(self.outputs)} outputs; {self.lib.path}>"

    def info(self):
        """The model's description as a dict (names, units, bounds, defaults)."""
        unit = lambda kind, names: {n: self.lib.model_var_unit(kind, i).decode() for i, n in enumerate(names)}
        return {"name": self.name, "doc": self.doc, "library": self.lib.path, "components": self.components,
                "inputs": unit(_lib.INPUTS, self.inputs), "states": unit(_lib.STATES, self.states),
                "outputs": unit(_lib.OUTPUTS, self.outputs), "params": [dict(p) for p in self.params],
                "network_weights": self.nnetw}

    def instance(self, nbasins, nsteps, ncomp=None, precision="f64", grads=True):
        """A low-level Instance (the arrays of runtime/dgc_model_api.h), with
        the model's input_stats when it has norm() inputs."""
        inst = Instance(self, nbasins, nsteps, ncomp or self.components, precision, grads)
        if self.norm_inputs:
            missing = [n for n in self.norm_inputs if n not in self.input_stats]
            if missing:
                raise DgcError(f"{self.name} reads {missing} through norm(): set model.input_stats = "
                               "{input: (mean, std)} to the statistics of the training data first")
            mean = [self.input_stats.get(n, (0.0, 1.0))[0] for n in self.inputs]
            std = [self.input_stats.get(n, (0.0, 1.0))[1] for n in self.inputs]
            inst.set_input_stats(mean, std)
        return inst

    def scale(self, u, names=None):
        """Values in [0, 1] (last axis = `names`, default every parameter) ->
        the parameters' bounds: lo + u (hi - lo), NumPy or torch alike."""
        names = names or self.param_names
        by = {p["name"]: p for p in self.params}
        lo = np.array([by[n]["lo"] for n in names])
        hi = np.array([by[n]["hi"] for n in names])
        if hasattr(u, "new_tensor"):   # torch
            lo, hi = u.new_tensor(lo), u.new_tensor(hi)
        return lo + u * (hi - lo)

    # ---- simulate ----

    def _forcing_array(self, forcing, dtype):
        if isinstance(forcing, dict):
            missing = [n for n in self.inputs if n not in forcing]
            if missing:
                raise DgcError(f"forcing lacks {missing} (model inputs: {self.inputs})")
            unknown = [n for n in forcing if n not in self.inputs]
            if unknown:
                raise DgcError(f"forcing has {unknown}, which are not inputs of {self.name} ({self.inputs})")
            cols = [np.asarray(forcing[n], dtype=dtype) for n in self.inputs]
            cols = [c[:, None] if c.ndim == 1 else c for c in cols]
            if any(c.ndim != 2 or c.shape != cols[0].shape for c in cols):
                raise DgcError("every forcing series must be [T] or [T, B], all of one shape")
            return np.ascontiguousarray(np.stack(cols, axis=1))            # [T, ni, B]
        f = np.asarray(forcing, dtype=dtype)
        if f.ndim != 3 or f.shape[2] != len(self.inputs):
            raise DgcError(f"forcing array must be [T, B, {len(self.inputs)}] (inputs {self.inputs})")
        return np.ascontiguousarray(f.transpose(0, 2, 1))                 # [T, ni, B]

    def _param_arrays(self, params, T, B, K, dtype):
        """Static [np, B, K] and dynamic [T, np, B, K] (or None) arrays."""
        params = dict(params or {})
        unknown = [n for n in params if n not in self.param_names]
        if unknown:
            raise DgcError(f"{unknown}: not parameters of {self.name} ({self.param_names})")
        static = np.empty((len(self.params), B, K), dtype=dtype)
        dyn = None
        for i, p in enumerate(self.params):
            v = params.get(p["name"], p["default"])
            if v is None or (np.ndim(v) == 0 and np.isnan(v)):
                raise DgcError(f"parameter '{p['name']}' has no value and no default")
            v = np.asarray(v, dtype=dtype)
            if v.ndim == 3:
                if p["mark"] != "dynamic":
                    raise DgcError(f"parameter '{p['name']}' is not dynamic: give [B, K], [B] or a scalar")
                if dyn is None:
                    dyn = np.empty((T, len(self.params), B, K), dtype=dtype)
                dyn[:, i] = np.broadcast_to(v, (T, B, K))
                static[i] = v[-1] if v.shape[0] == T else v[0]
                continue
            if v.ndim == 1:
                v = v[:, None]
            static[i] = np.broadcast_to(v, (B, K))
        if dyn is not None:   # static values of every parameter at every step
            for i, p in enumerate(self.params):
                if p["mark"] != "dynamic" or np.ndim(params.get(p["name"], 0.0)) != 3:
                    dyn[:, i] = static[i]
        return np.ascontiguousarray(static), dyn

    def simulate(self, forcing, params=None, init=None, precision="f64", components=None, return_states=False,
                 netw=None):
        """Runs the model over forcing and returns {output: [T, B] array}.

        forcing  {input: [T, B] or [T]} or an array [T, B, ninputs]
        params   {name: scalar | [B] | [B, K] | [T, B, K] (dynamic ones)};
                 parameters left out take their default
        init     {state: scalar | [B] | [B, K]} initial states (a warm
                 start); the others come from the model's init equations
        components  K (default: the model's, or the K of the params given)
        return_states  also return {state: [B, K]} after the last step
        netw     weights of in-equation networks [nnetw]
        """
        dtype, _ = _DTYPES[precision]
        f = self._forcing_array(forcing, dtype)
        T, _, B = f.shape
        K = components
        if K is None:
            ks = [np.shape(v)[-1] for v in (params or {}).values() if np.ndim(v) >= 2]
            K = ks[0] if ks else self.components
        inst = self.instance(B, T, K, precision, grads=False)
        static, dyn = self._param_arrays(params, T, B, K, dtype)
        inst.set_params(static)
        if dyn is not None:
            inst.set_dyn_params(dyn)
        inst.set_forcing(f)
        if netw is not None:
            inst.set_netw(np.asarray(netw, dtype=dtype))
        for name, v in (init or {}).items():
            if name not in self.all_states:
                raise DgcError(f"'{name}' is not a state of {self.name} ({self.states})")
            inst.set_init_state(self.all_states.index(name),
                                np.broadcast_to(np.asarray(v, dtype=dtype).reshape(
                                    (B, 1) if np.ndim(v) == 1 else np.shape(v)), (B, K)))
        inst.forward()
        y = inst.outputs()                                                 # [T, no, B]
        out = {n: y[:, i, :].copy() for i, n in enumerate(self.outputs)}
        if return_states:
            s = inst.states(final=True)
            return out, {n: s[i].copy() for i, n in enumerate(self.all_states)}
        return out


C_double, C_int = _lib.C.c_double, _lib.C.c_int


class Instance:
    """One dgc_create'd instance: arrays in, arrays out, in the layouts of
    runtime/dgc_model_api.h (C-contiguous NumPy arrays of its precision)."""

    def __init__(self, model, nbasins, nsteps, ncomp, precision="f64", grads=True):
        if precision not in _DTYPES:
            raise DgcError(f"precision is 'f32' or 'f64', not {precision!r}")
        self.model, self.lib = model, model.lib
        self.dtype, prec = _DTYPES[precision]
        self.B, self.T, self.K = int(nbasins), int(nsteps), int(ncomp)
        self.grads = grads
        self._h = self.lib.create(self.B, self.T, self.K, prec, 0 if grads else _lib.NO_GRAD)
        if not self._h:
            raise DgcError(f"dgc_create: {self.lib.error()}")
        m = model
        self.shape = {"params": (len(m.params), self.B, self.K),
                      "dyn_params": (self.T, len(m.params), self.B, self.K),
                      "forcing": (self.T, len(m.inputs), self.B),
                      "states": (len(m.all_states), self.B, self.K),
                      "state": (self.B, self.K),
                      "outputs": (self.T, len(m.outputs), self.B),
                      "cell_outputs": (self.T, len(m.outputs), self.B, self.K),
                      "netw": (m.nnetw,)}

    def __del__(self):
        h, self._h = getattr(self, "_h", None), None
        if h:
            self.lib.destroy(h)

    def _in(self, a, what):
        a = np.ascontiguousarray(a, dtype=self.dtype)
        if a.shape != self.shape[what]:
            raise DgcError(f"{what}: expected shape {self.shape[what]}, got {a.shape}")
        return a

    def _call(self, fn, name, *args):
        self.lib.check(fn(self._h, *args), name)

    def set_params(self, a):
        a = self._in(a, "params")
        self._call(self.lib.set_params, "dgc_set_params", a.ctypes.data)

    def set_dyn_params(self, a):
        if a is None:
            return self._call(self.lib.set_dyn_params, "dgc_set_dyn_params", None)
        a = self._in(a, "dyn_params")
        self._call(self.lib.set_dyn_params, "dgc_set_dyn_params", a.ctypes.data)

    def set_forcing(self, a):
        a = self._in(a, "forcing")
        self._call(self.lib.set_forcing, "dgc_set_forcing", a.ctypes.data)

    def set_netw(self, a):
        a = self._in(a, "netw")
        self._call(self.lib.set_netw, "dgc_set_netw", a.ctypes.data)

    def set_input_stats(self, mean, std):
        m = np.ascontiguousarray(mean, dtype=self.dtype)
        s = np.ascontiguousarray(std, dtype=self.dtype)
        n = len(self.model.inputs)
        if m.shape != (n,) or s.shape != (n,):
            raise DgcError(f"input stats: expected two arrays of shape ({n},), got {m.shape} and {s.shape}")
        self._call(self.lib.set_input_stats, "dgc_set_input_stats", m.ctypes.data, s.ctypes.data)

    def set_init_state(self, index, a):
        if a is None:
            return self._call(self.lib.set_init_state, "dgc_set_init_state", index, None)
        a = self._in(a, "state")
        self._call(self.lib.set_init_state, "dgc_set_init_state", index, a.ctypes.data)

    def set_init_states(self, a):
        if a is None:
            return self._call(self.lib.set_init_states, "dgc_set_init_states", None)
        a = self._in(a, "states")
        self._call(self.lib.set_init_states, "dgc_set_init_states", a.ctypes.data)

    def forward(self):
        self._call(self.lib.forward, "dgc_forward")

    def _out(self, fn, name, what, *args):
        a = np.empty(self.shape[what], dtype=self.dtype)
        self._call(fn, name, *args, a.ctypes.data)
        return a

    def outputs(self):
        return self._out(self.lib.get_outputs, "dgc_get_outputs", "outputs")

    def cell_outputs(self):
        return self._out(self.lib.get_cell_outputs, "dgc_get_cell_outputs", "cell_outputs")

    def states(self, final=True):
        return self._out(self.lib.get_states, "dgc_get_states", "states",
                         _lib.STATES_FINAL if final else _lib.STATES_INITIAL)

    def backward(self, doutputs):
        a = self._in(doutputs, "outputs")
        self._call(self.lib.backward, "dgc_backward", a.ctypes.data)

    def grad(self, what):
        """what: 'params', 'dyn_params', 'forcing', 'init_states' or 'netw'."""
        code, shape = {"params": (_lib.GRAD_PARAMS, "params"), "dyn_params": (_lib.GRAD_DYN_PARAMS, "dyn_params"),
                       "forcing": (_lib.GRAD_FORCING, "forcing"), "init_states": (_lib.GRAD_INIT_STATES, "states"),
                       "netw": (_lib.GRAD_NETW, "netw")}[what]
        return self._out(self.lib.get_grad, "dgc_get_grad", shape, code)
