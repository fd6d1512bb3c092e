"""hydrodl2-style training through dgc.torch: examples/python/lstm_hbv.py
(an LSTM on CAMELS 01031500's forcing gives the parameters of dgc's HBV,
4 components, routed; 40 Adam iterations on random 365 + 365-day windows
of 1980-1995) must raise the test-period (1995-2000) NSE of the untrained
network by at least 0.2, to at least 0.5. Exit 77 without shared/data."""

import sys

from common import CAMELS, ROOT, check, finish, skip_unless

skip_unless(CAMELS / "basin_mean_forcing" / "daymet" / "01031500_lump_cida_forcing_leap.txt", "CAMELS 01031500")
sys.path.insert(0, str(ROOT / "examples" / "python"))
import lstm_hbv

nse0, nse1, seconds = lstm_hbv.main(["--camels", str(CAMELS), "--iterations", "40"])
check(nse1 >= nse0 + 0.2 and nse1 >= 0.5, f"test NSE {nse0:.3f} -> {nse1:.3f} after 40 iterations ({seconds:.2f} s each)")
finish()
