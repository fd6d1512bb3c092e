"""δHBV-style training from PyTorch: a small LSTM reads the daily forcing of
CAMELS basin 01031500 and gives the 14 parameters of dgc's HBV (stdlib, 4
components, unit-hydrograph routing); the physics runs in the kernels dgc
compiled, and its backward is the adjoint dgc generated.

    PYTHONPATH=python python3 examples/python/lstm_hbv.py [--iterations 40]

Notebook-style: each section below can be run on its own in a REPL."""

import argparse
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "python"))
import dgc            # noqa: E402
import dgc.torch      # noqa: E402

# ---- 1. Data: CAMELS-US forcing (Daymet), observed flow, Hargreaves PET -------------------


def hargreaves(doy, lat_deg, tmax, tmin):
    """PET (mm/d), Hargreaves 1985 with FAO-56 extraterrestrial radiation
    (the equations of shared/reference/README.md section 2)."""
    phi = math.radians(lat_deg)
    dr = 1 + 0.033 * np.cos(2 * np.pi * doy / 365)
    delta = 0.409 * np.sin(2 * np.pi * doy / 365 - 1.39)
    ws = np.arccos(np.clip(-np.tan(phi) * np.tan(delta), -1, 1))
    ra = 24 * 60 / np.pi * 0.0820 * dr * (ws * np.sin(phi) * np.sin(delta) + np.cos(phi) * np.cos(delta) * np.sin(ws))
    tmean = (tmax + tmin) / 2
    return np.maximum(0.0023 * 0.408 * ra * (tmean + 17.8) * np.sqrt(np.maximum(tmax - tmin, 0)), 0)


def load_camels(camels, basin="01031500"):
    """dates (datetime64[D]), forcing [T, 3] = P, Tmean, PET, observed flow [T] (mm/d, NaN = missing)."""
    path = Path(camels) / "basin_mean_forcing" / "daymet" / f"{basin}_lump_cida_forcing_leap.txt"
    lat = float(path.read_text().split("\n", 1)[0])
    raw = np.loadtxt(path, skiprows=4)
    dates = np.array([f"{int(y):04d}-{int(m):02d}-{int(d):02d}" for y, m, d in raw[:, :3]], dtype="datetime64[D]")
    doy = (dates - dates.astype("datetime64[Y]")).astype(int) + 1
    prcp, tmax, tmin = raw[:, 5], raw[:, 8], raw[:, 9]
    forcing = np.stack([prcp, (tmax + tmin) / 2, hargreaves(doy, lat, tmax, tmin)], axis=1)
    obs = np.loadtxt(Path(camels) / f"{basin}_05_model_output.txt", skiprows=1)
    odates = np.array([f"{int(y):04d}-{int(m):02d}-{int(d):02d}" for y, m, d in obs[:, :3]], dtype="datetime64[D]")
    q = np.full(len(dates), np.nan)
    idx = np.searchsorted(dates, odates)
    ok = (idx < len(dates)) & (dates[np.minimum(idx, len(dates) - 1)] == odates)
    q[idx[ok]] = np.where(obs[ok, -1] >= 0, obs[ok, -1], np.nan)
    return dates, forcing, q


def nse(sim, obs):
    m = ~np.isnan(obs)
    return 1 - np.sum((sim[m] - obs[m]) ** 2) / np.sum((obs[m] - obs[m].mean()) ** 2)


# ---- 2. The network and the physics -----------------------------------------------------------


class ParamLSTM(torch.nn.Module):
    """Normalised forcing [T, B, 3] -> parameters [B, K, nparams] inside their
    bounds, from the last step (static parameters, as δHBV)."""

    def __init__(self, model, K, hidden=16):
        super().__init__()
        self.model, self.K, self.np = model, K, len(model.params)
        self.lstm = torch.nn.LSTM(3, hidden)
        self.head = torch.nn.Linear(hidden, self.np * K)

    def forward(self, x):
        h, _ = self.lstm(x)
        raw = self.head(h[-1]).view(-1, self.K, self.np)
        return self.model.scale(torch.sigmoid(raw))


def run(model, net, phys, forcing, mean, std):
    """Streamflow [T, B] of the physics driven by the network's parameters."""
    x = ((forcing - mean) / std).float()
    return phys(forcing, net(x).double())[..., 0]


# ---- 3. Training (random windows of warm-up + rho days, MSE after the warm-up) ---------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--camels", default=str(ROOT.parent / "shared" / "data" / "camels_us"))
    ap.add_argument("--iterations", type=int, default=40)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--components", type=int, default=4)
    ap.add_argument("--hidden", type=int, default=16)
    ap.add_argument("--warmup", type=int, default=365)
    ap.add_argument("--rho", type=int, default=365)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    torch.set_num_threads(min(2, os.cpu_count() or 1))

    dates, forcing, qobs = load_camels(args.camels)
    train = (dates >= np.datetime64("1980-10-01")) & (dates <= np.datetime64("1995-09-30"))
    test_start, test_end = np.datetime64("1995-10-01"), np.datetime64("2000-09-30")
    it = np.flatnonzero(train)
    mean, std = forcing[it].mean(0), forcing[it].std(0)
    model = dgc.compile(ROOT / "stdlib" / "models" / "hbv.dg")
    phys = dgc.torch.Physics(model, components=args.components, outputs=["streamflow"])
    net = ParamLSTM(model, args.components, args.hidden)
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    F = torch.from_numpy(forcing)
    mean_t, std_t = torch.from_numpy(mean), torch.from_numpy(std)

    def evaluate():
        """NSE over the test period, after a year of warm-up before it."""
        i0 = np.searchsorted(dates, test_start) - args.warmup
        i1 = np.searchsorted(dates, test_end) + 1
        with torch.no_grad():
            q = run(model, net, phys, F[i0:i1, None, :], mean_t, std_t).numpy()[:, 0]
        return nse(q[args.warmup:], qobs[i0 + args.warmup:i1])

    nse0 = evaluate()
    print(f"{model}\nuntrained network: test NSE {nse0:.3f}")
    L = args.warmup + args.rho
    t_start = time.perf_counter()
    for k in range(args.iterations):
        starts = rng.integers(it[0], it[-1] - L + 1, size=args.batch)
        xb = torch.stack([F[s:s + L] for s in starts], dim=1)                      # [L, B, 3]
        yb = torch.from_numpy(np.stack([qobs[s:s + L] for s in starts], axis=1))   # [L, B]
        q = run(model, net, phys, xb, mean_t, std_t)
        m = ~torch.isnan(yb[args.warmup:])
        loss = ((q[args.warmup:] - torch.nan_to_num(yb[args.warmup:])) ** 2)[m].mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        if (k + 1) % 10 == 0 or k == 0:
            print(f"iteration {k + 1:3d}: loss {loss.item():.4f}")
    seconds = (time.perf_counter() - t_start) / max(args.iterations, 1)
    nse1 = evaluate()
    print(f"trained {args.iterations} iterations ({seconds:.3f} s each): test NSE {nse0:.3f} -> {nse1:.3f}")
    return nse0, nse1, seconds


if __name__ == "__main__":
    main()
