"""bench/torch_hbv.py — one δHBV-style training iteration from PyTorch: the
same LSTM (3 forcings -> hidden 64 -> 14 x 16 parameters, static from the
last step) feeding HBV 1.0 (16 components, gamma unit-hydrograph routing)
over a batch of 25 windows of 730 days, forward + backward + Adam step,
with the physics either
  dgc    dgc.torch.Physics: the kernels and adjoint dgc compiled (f32), or
  torch  HBV written here in PyTorch from the equations of
         shared/reference/README.md section 4 (a Python loop over days,
         tensors over windows x components, autograd), as hydrodl2 does.
Synthetic forcing (no data needed). Appends name,value,unit rows to --out.
    PYTHONPATH=python python3 bench/torch_hbv.py [--out build/bench/results.csv] [--reps 3]"""

import argparse
import math
import os
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))
import dgc          # noqa: E402
import dgc.torch    # noqa: E402

NAMES = ["BETA", "FC", "K0", "K1", "K2", "LP", "PERC", "UZL", "TT", "CFMAX", "CFR", "CWH", "route_a", "route_b"]


def hbv_torch(forcing, p, nearzero=1e-5):
    """HBV 1.0 (reference README section 4). forcing [T, B, 3] (P, T, PET),
    p [B, K, 14] physical values -> routed streamflow [T, B]."""
    T, B, _ = forcing.shape
    BETA, FC, K0, K1, K2, LP, PERC, UZL, TT, CFMAX, CFR, CWH = (p[..., i] for i in range(12))
    z = torch.full_like(BETA, 0.001)
    S, W, SM, UZ, LZ = z, z, z, z, z
    qs = []
    for t in range(T):
        P, Ta, E = (forcing[t, :, i:i + 1] for i in range(3))
        rain = torch.where(Ta >= TT, P, torch.zeros_like(P))
        snow = torch.where(Ta < TT, P, torch.zeros_like(P))
        S = S + snow
        melt = torch.minimum(torch.clamp(CFMAX * (Ta - TT), min=0), S)
        W = W + melt
        S = S - melt
        refr = torch.minimum(torch.clamp(CFR * CFMAX * (TT - Ta), min=0), W)
        S = S + refr
        W = W - refr
        tosoil = torch.clamp(W - CWH * S, min=0)
        W = W - tosoil
        sw = torch.clamp((SM / FC) ** BETA, 0, 1)
        rech = (rain + tosoil) * sw
        SM = SM + rain + tosoil - rech
        excess = torch.clamp(SM - FC, min=0)
        SM = SM - excess
        ef = torch.clamp(SM / (LP * FC), 0, 1)
        aet = torch.minimum(SM, E * ef)
        SM = torch.clamp(SM - aet, min=nearzero)
        UZ = UZ + rech + excess
        perc = torch.minimum(UZ, PERC)
        UZ = UZ - perc
        q0 = K0 * torch.clamp(UZ - UZL, min=0)
        UZ = UZ - q0
        q1 = K1 * UZ
        UZ = UZ - q1
        LZ = LZ + perc
        q2 = K2 * LZ
        LZ = LZ - q2
        qs.append((q0 + q1 + q2).mean(dim=1))
    q = torch.stack(qs)                                                     # [T, B]
    a = torch.relu(p[:, 0, 12]) + 0.1                                       # [B]
    th = torch.relu(p[:, 0, 13]) + 0.5
    tau = torch.arange(15, dtype=p.dtype) + 0.5
    w = tau[None] ** (a[:, None] - 1) * torch.exp(-tau[None] / th[:, None]) / (torch.exp(torch.lgamma(a)) * th ** a)[:, None]
    w = w / w.sum(dim=1, keepdim=True)                                      # [B, 15]
    x = torch.nn.functional.pad(q.T[None], (14, 0))                         # [1, B, T + 14]
    return torch.nn.functional.conv1d(x, w.flip(1)[:, None, :], groups=B)[0].T   # causal: [T, B]


class Net(torch.nn.Module):
    def __init__(self, model, K, hidden):
        super().__init__()
        self.model, self.K = model, K
        self.lstm = torch.nn.LSTM(3, hidden)
        self.head = torch.nn.Linear(hidden, 14 * K)

    def forward(self, x):
        h, _ = self.lstm(x)
        return self.model.scale(torch.sigmoid(self.head(h[-1]).view(-1, self.K, 14)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "build" / "bench" / "results.csv"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--batch", type=int, default=25)
    ap.add_argument("--days", type=int, default=730)
    ap.add_argument("--components", type=int, default=16)
    ap.add_argument("--hidden", type=int, default=64)
    args = ap.parse_args()
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    torch.manual_seed(0)
    model = dgc.compile(ROOT / "stdlib" / "models" / "hbv.dg")
    assert model.param_names == NAMES
    T, B, K = args.days, args.batch, args.components
    day = torch.arange(T, dtype=torch.float32)[:, None]
    forcing = torch.stack([torch.rand(T, B) * 6 * (torch.rand(T, B) < 0.4),
                           5 - 12 * torch.cos(2 * math.pi * day / 365) + torch.randn(T, B),
                           (2 - 1.5 * torch.cos(2 * math.pi * day / 365)).expand(T, B).clone()], dim=2)
    qobs = torch.rand(T - 365, B) * 3
    phys = dgc.torch.Physics(model, components=K, outputs=["streamflow"])
    runs = {"dgc": lambda p: phys(forcing, p)[..., 0], "torch": lambda p: hbv_torch(forcing, p)}
    rows = []
    for name, physics in runs.items():
        net = Net(model, K, args.hidden)
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        best = float("inf")
        for _ in range(args.reps):
            t0 = time.perf_counter()
            q = physics(net((forcing - forcing.mean((0, 1))) / forcing.std((0, 1))))
            loss = ((q[365:] - qobs) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            best = min(best, time.perf_counter() - t0)
        rows.append((f"torch_lstm_hbv_iteration_{name}", best, "s"))
        print(f"LSTM + HBV ({name} physics), {B} windows x {K} components x {T} days: {best:.3f} s per iteration")
    rows.append(("torch_lstm_hbv_speedup_dgc_vs_torch", rows[1][1] / rows[0][1], "x"))
    print(f"dgc physics: {rows[2][1]:.1f}x faster iteration than PyTorch physics")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    new = not out.exists()
    with open(out, "a") as f:
        if new:
            f.write("name,value,unit\n")
        for r in rows:
            f.write(f"{r[0]},{r[1]:.9g},{r[2]}\n")


if __name__ == "__main__":
    main()
