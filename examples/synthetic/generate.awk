# examples/synthetic/generate.awk — the synthetic basins of the parameter-
# recovery experiment (run.sh), from the forcing of one real basin.
#   awk -v n=40 -v out=DIR -f generate.awk forcing.csv     (forcing: date,P,T,PET)
# For basin i = 1..n (id syn01, syn02, ...), from a fixed Park-Miller
# generator (the same numbers with any POSIX awk):
#   attributes   soil_depth, permeability, slope, coldness ~ U(0, 1)
#   parameters   theta = lo + (hi - lo) (0.1 + 0.8 sigmoid(z)),
#                z = sum_j c_j s_j with s_j = 2 a_j - 1 in [-1, 1] and the
#                coefficients c of the table below (one to two attributes per
#                parameter), so every parameter stays inside the middle 80 %
#                of HBV's bounds (stdlib/models/hbv.dg)
#   forcing      P x U(0.75, 1.25), T - 3 s_coldness (colder basins are
#                colder, +-3 degC), PET x U(0.85, 1.15)
# Writes DIR/attributes.csv (basin + the four attributes), DIR/true_params.csv
# (basin + the 14 parameters), DIR/params/ID.csv (name,value, for `simulate
# --params`) and DIR/forcing/ID.csv (date,P,T,PET).
function rnd() {
    seed = (16807 * seed) % 2147483647
    return seed / 2147483647
}
function sigmoid(z) { return 1 / (1 + exp(-z)) }
BEGIN {
    FS = ","
    OFS = ","
    seed = 20240607
    np = split("BETA FC K0 K1 K2 LP PERC UZL TT CFMAX CFR CWH route_a route_b", pname, " ")
    split("1 50 0.05 0.01 0.001 0.2 0 0 -2.5 0.5 0 0 0 0", lo, " ")
    split("6 1000 0.9 0.5 0.2 1 10 100 2.5 10 0.1 0.2 2.9 6.5", hi, " ")
    #               soil  perm slope  cold
    coef["BETA"]    = " 1.5 -1.0  0.0  0.0"
    coef["FC"]      = " 2.0  0.0 -0.5  0.0"
    coef["K0"]      = " 0.0  0.5  2.0  0.0"
    coef["K1"]      = "-0.8  0.0  1.5  0.0"
    coef["K2"]      = " 0.0  2.0  0.0  0.0"
    coef["LP"]      = "-1.2  0.0  0.8  0.0"
    coef["PERC"]    = " 0.5  2.0  0.0  0.0"
    coef["UZL"]     = " 1.0  0.0 -1.5  0.0"
    coef["TT"]      = " 0.0  0.0  0.0  1.5"
    coef["CFMAX"]   = " 0.0  0.0  0.8 -1.5"
    coef["CFR"]     = " 0.0  0.0  0.0  1.5"
    coef["CWH"]     = " 0.0  0.0 -0.8 -1.5"
    coef["route_a"] = " 0.0  0.0  1.5  0.0"
    coef["route_b"] = " 0.0  0.5 -2.0  0.0"
    na = split("soil_depth permeability slope coldness", aname, " ")
    if (n < 1 || out == "") { print "generate.awk: give -v n=BASINS -v out=DIR" > "/dev/stderr"; exit 2 }
    printf "basin" > (out "/attributes.csv")
    for (j = 1; j <= na; j++) printf ",%s", aname[j] > (out "/attributes.csv")
    print "" > (out "/attributes.csv")
    printf "basin" > (out "/true_params.csv")
    for (k = 1; k <= np; k++) printf ",%s", pname[k] > (out "/true_params.csv")
    print "" > (out "/true_params.csv")
    for (i = 1; i <= n; i++) {
        id[i] = sprintf("syn%02d", i)
        line = id[i]
        for (j = 1; j <= na; j++) {
            a[i, j] = rnd()
            line = line sprintf(",%.6f", a[i, j])
        }
        print line > (out "/attributes.csv")
        pf = out "/params/" id[i] ".csv"
        print "name,value" > pf
        line = id[i]
        for (k = 1; k <= np; k++) {
            split(coef[pname[k]], c, " ")
            z = 0
            for (j = 1; j <= na; j++) z += c[j] * (2 * a[i, j] - 1)
            v = lo[k] + (hi[k] - lo[k]) * (0.1 + 0.8 * sigmoid(z))
            print pname[k], sprintf("%.8g", v) > pf
            line = line sprintf(",%.8g", v)
        }
        close(pf)
        print line > (out "/true_params.csv")
        pfac[i] = 0.75 + 0.5 * rnd()
        tshift[i] = -3 * (2 * a[i, 4] - 1)
        efac[i] = 0.85 + 0.3 * rnd()
        print "date,P,T,PET" > (out "/forcing/" id[i] ".csv")
    }
}
NR == 1 {
    for (k = 1; k <= NF; k++) col[$k] = k
    if (!("date" in col) || !("P" in col) || !("T" in col) || !("PET" in col)) {
        print "generate.awk: " FILENAME ": expected the columns date,P,T,PET" > "/dev/stderr"
        exit 2
    }
    next
}
{
    for (i = 1; i <= n; i++)
        printf "%s,%.6f,%.4f,%.6f\n", $col["date"], $col["P"] * pfac[i], $col["T"] + tshift[i],
            $col["PET"] * efac[i] > (out "/forcing/" id[i] ".csv")
}
