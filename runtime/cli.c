/* cli.c — dgrt_main: the command line of a compiled model
 *   MODEL info | simulate | gradcheck | train | eval [options]
 * Parses the options into a DgOptions, checks which apply to the command,
 * and dispatches to info.c, simulate.c, gradcheck.c; train, eval and
 * simulate --checkpoint parse their own options (train.c, evaluate.c). Exit codes: 0 ok,
 * 1 failure, 2 usage (the usage text follows the error on stderr), 3 data or I/O. */
#include "dgrt_cli.h"
#include "dgrt_internal.h"
#include "fpenv.h"
#include "comm.h"
#include "train.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { CMD_INFO = 1, CMD_SIMULATE = 2, CMD_GRADCHECK = 4 };

/* Upper bounds of the integer options (components as in a training config) */
enum { MAX_COMPONENTS = 256, MAX_GRADCHECK_STEPS = 100000, MAX_GRADCHECK_CELLS = 100000 };

static const struct {
    const char *name;
    int         bit;
    int       (*run)(const DgModel *, const DgOptions *, FILE *, FILE *);
} commands[] = {
    {"info", CMD_INFO, dgrt_cmd_info},
    {"simulate", CMD_SIMULATE, dgrt_cmd_simulate},
    {"gradcheck", CMD_GRADCHECK, dgrt_cmd_gradcheck},
};

/* Options: name, takes a value, may repeat, the commands it applies to. */
typedef enum {
    OPT_PARAMS, OPT_INIT, OPT_NETW, OPT_FORCING_CSV, OPT_DATA, OPT_BASIN, OPT_MAP, OPT_PERIOD, OPT_OUT, OPT_STATES,
    OPT_PRECISION, OPT_COMPONENTS, OPT_SEED, OPT_TOL, OPT_STEPS, OPT_CELLS, OPT_LAT, OPT_OUTSIDE_BOUNDS, OPT_COUNT
} OptId;   /* grep ORDER OptId: the table below */

static const struct {
    const char *name;
    int         value, repeat, cmds;
} options[OPT_COUNT] = {
    {"--params", 1, 0, CMD_SIMULATE | CMD_GRADCHECK},
    {"--init", 1, 1, CMD_SIMULATE | CMD_GRADCHECK},
    {"--netw", 1, 0, CMD_SIMULATE | CMD_GRADCHECK},
    {"--forcing-csv", 1, 0, CMD_SIMULATE | CMD_GRADCHECK},
    {"--data", 1, 0, CMD_SIMULATE | CMD_GRADCHECK},
    {"--basin", 1, 0, CMD_SIMULATE | CMD_GRADCHECK},
    {"--map", 1, 1, CMD_SIMULATE | CMD_GRADCHECK},
    {"--period", 1, 0, CMD_SIMULATE | CMD_GRADCHECK},
    {"--out", 1, 0, CMD_SIMULATE},
    {"--states", 0, 0, CMD_SIMULATE},
    {"--precision", 1, 0, CMD_SIMULATE},
    {"--components", 1, 0, CMD_SIMULATE | CMD_GRADCHECK},
    {"--seed", 1, 0, CMD_GRADCHECK},
    {"--tol", 1, 0, CMD_GRADCHECK},
    {"--steps", 1, 0, CMD_GRADCHECK},
    {"--cells", 1, 0, CMD_GRADCHECK},
    {"--lat", 1, 0, CMD_SIMULATE | CMD_GRADCHECK},
    {"--allow-outside-bounds", 0, 0, CMD_SIMULATE},
};

static void usage(const char *prog, FILE *f) {
    fprintf(f,
            "usage: %s <command> [options]\n"
            "\n"
            "commands:\n"
            "  info                      inputs, parameters, states, outputs of the model\n"
            "  simulate                  run the model over a forcing series; CSV of the outputs\n"
            "  gradcheck                 adjoint gradients vs central finite differences (f64; steps\n"
            "                            h, 10 h, 100 h with h = 1e-6 max(1, |x|): the closest counts)\n"
            "  train                     train the parameter network (δHBV's recipe), or calibrate the parameters\n"
            "                            of a model without one, on CAMELS basins or per-basin CSV files\n"
            "  eval                      metrics of a trained checkpoint per basin, with medians\n"
            "  simulate --checkpoint F   every output, the observations and the parameters of a trained checkpoint:\n"
            "                            a CSV per basin, or one NetCDF file of all basins (--out FILE.nc)\n"
            "\n"
            "forcing (simulate; gradcheck uses synthetic forcing without them):\n"
            "  --forcing-csv FILE        CSV: a 'date' column (YYYY-MM-DD) and one column per model input; or\n"
            "                            FILE.nc, a NetCDF time series (dimension date, one variable per input)\n"
            "  --data DIR --basin ID     CAMELS-US Daymet: DIR/basin_mean_forcing/daymet/ID_lump_cida_forcing_leap.txt;\n"
            "                            P=prcp, T=tmean, PET and E=pet_hargreaves, Lday=lday by default\n"
            "                            (variables: %s)\n"
            "  --map NAME=COLUMN[:UNIT]  model input NAME from COLUMN (or CAMELS variable), whose values are in\n"
            "                            UNIT (default: the unit its header states, NAME(UNIT), or its source's);\n"
            "                            repeatable. Data are converted into the units the model declares\n"
            "                            (mm/day -> m/d, C -> K, ...); other dimensions are refused\n"
            "  --period START:END        days to use, both included, e.g. 1980-10-01:1990-09-30\n"
            "  --data DIR --basin ID     also a Caravan folder (timeseries/csv/SOURCE/SOURCE_ID.csv, or\n"
            "                            timeseries/netcdf/SOURCE/SOURCE_ID.nc when the CSV is not there)\n"
            "  --lat DEG                 the basin's latitude, for derived inputs of CSV and Caravan forcing:\n"
            "                            %s (an input named DOY or LAT takes them)\n"
            "\n"
            "parameters and states (simulate, gradcheck):\n"
            "  --params FILE             CSV name,value[,component]; other parameters take the model's defaults\n"
            "  --init NAME=VALUE         initial value of a state, after the model's init; NAME[k]=VALUE for\n"
            "                            component k only; repeatable\n"
            "  --netw FILE               network weights, one number per line (default: uniform in\n"
            "                            +-1/sqrt(fan_in), splitmix64 seed %u)\n"
            "  --components N            components per basin, 1 to 256 (default: the model's)\n"
            "\n"
            "simulate:\n"
            "  --out FILE                write the CSV to FILE (default: standard output); FILE.nc: a NetCDF file\n"
            "  --states                  add every user state at the end of each day, per component\n"
            "  --precision f32|f64       kernel precision (default f64)\n"
            "  --allow-outside-bounds    use --params values outside the parameters' bounds (sensitivity\n"
            "                            studies), with a warning for each, instead of refusing them\n"
            "  inputs the model reads through norm(X) are standardised with the mean and standard deviation of\n"
            "  the simulated forcing; train stores those of its training data, which simulate --checkpoint,\n"
            "  eval and --resume use (train prints them)\n"
            "\n"
            "gradcheck:\n"
            "  --seed N                  random parameters, forcing and loss weights (default 1)\n"
            "  --steps N                 time steps (default 200, at most 100000; with forcing: the first N days)\n"
            "  --cells N                 basins x components (default 2 basins, at most 100000)\n"
            "  --tol X                   relative tolerance (default 1e-6)\n"
            "\n"
            "train (options are also config keys: --config FILE of `key = value` lines, # comments, a\n"
            "       regular file of at most 1 MiB; flags override the file; --key value or --key=value;\n"
            "       every number has a range, shown when a value is outside it: e.g. batch 1..100000,\n"
            "       rho 1..36600, warmup 0..36600, epochs 0..1000000, seed 0..2^64-1):\n"
            "  --data DIR                CAMELS-US directory (basin_mean_forcing/, usgs_streamflow/, attributes; flat\n"
            "                            or in HUC folders) or Caravan (timeseries/csv/SOURCE/SOURCE_ID.csv, else\n"
            "                            timeseries/netcdf/.../SOURCE_ID.nc: P, T, PET, E from its columns, observations\n"
            "                            'streamflow'): detected\n"
            "  --forcing-csv PATTERN     instead of CAMELS: one CSV per basin, {basin} in PATTERN = the id; a\n"
            "                            'date' column, one column per input (or --map NAME=COLUMN), observations\n"
            "  --obs-column NAME[:UNIT]  the CSV's observation column (q_obs; empty, NA, NaN, negative = missing),\n"
            "                            converted into the unit of the --target output\n"
            "  --attributes-csv FILE     attributes from a table: a 'basin' (or gauge_id) column, one per attribute\n"
            "  --attributes DIR          the CAMELS attribute tables (camels_*.txt), e.g. for Caravan data\n"
            "  --basins LIST|FILE        ids 01031500,01022500 or a file of one id per line\n"
            "  --train A:B               training period (required); --valid A:B, --test A:B\n"
            "  --epochs N (50)           --iters-per-epoch N (0: MHPI rule, each day drawn with p = 0.99)\n"
            "  --batch B (100)           basins per iteration, drawn with replacement\n"
            "  --rho N (365)             days of a window that count; --warmup N (365) days before them\n"
            "  --optimizer adadelta|adam|adamw|sgd (adadelta)   --lr X (optimiser default: adadelta 1)\n"
            "  --loss rmse_comb|mse|rmse|nse|kge (rmse_comb)    --clip X (1; 0 = none)\n"
            "  --bptt window|full (window)  the LSTM's gradient stops at the warm-up (window) or runs back\n"
            "                            through it to the first day (full, as hydrodl2; ~1e-4 of the gradient)\n"
            "  --lr-schedule constant|step|cosine   --lr-step N  --lr-gamma X  --lr-warmup N  --lr-min X\n"
            "  --weight-decay X  --momentum X        --components N (the model's)  --target OUTPUT\n"
            "                            a model without `learn params` calibrates its trained parameters per\n"
            "                            basin (sigmoid-scaled into the bounds, starting at the defaults)\n"
            "  --map NAME=VARIABLE[:UNIT]  forcing map, as for simulate; repeatable\n"
            "  --valid-every N (1)       --patience N (0 = no early stopping; on median validation NSE)\n"
            "  --seed N (111111)         --threads N (0 = every core; network and physics)\n"
            "  --checkpoint FILE         written atomically every epoch (default checkpoint.bin); the best\n"
            "                            validation NSE also to FILE with .best before the extension\n"
            "  --resume                  continue from --checkpoint exactly where it stopped\n"
            "  --init-from FILE          start a new run from another model's checkpoint (a variant from its\n"
            "                            calibrated base): trained parameters (per basin, into new bounds), the\n"
            "                            parameter network and in-equation networks of the same name and shape\n"
            "                            are copied, the rest starts as usual; prints which is which\n"
            "  --log-every N             a log line every N iterations when not on a terminal\n"
            "\n"
            "eval, simulate --checkpoint FILE (data, basins and maps default to the training run's):\n"
            "  --period A:B              days to evaluate (default: the test period of the run)\n"
            "  --data DIR  --basins LIST|FILE  --warmup N (days before the period, the run's)  --threads N\n"
            "  --forcing-csv PATTERN  --attributes-csv FILE  --obs-column NAME[:UNIT]   basins from CSV files\n"
            "                            (as for train)\n"
            "  --out DIR|FILE.nc|FILE    simulate: into DIR a CSV per basin (every output, OUTPUT_obs beside the\n"
            "                            target with missing days empty, every dynamic parameter per day as NAME[k]\n"
            "                            for component k, NAME with one) and DIR/params.csv (every parameter per\n"
            "                            basin and component, dynamic ones averaged); FILE.nc: all of it in one\n"
            "                            NetCDF file (CF timeSeries: basin x time, basin x component x time);\n"
            "                            eval: the metrics CSV\n"
            "  --benchmark               eval: CAMELS SAC-SMA (MOD_RUN) metrics beside the model's\n"
            "  --plot DIR                eval: one SVG hydrograph per basin\n"
            "\n"
            "exit status: 0 ok, 1 failure (gradcheck NOT OK), 2 usage, 3 data or I/O error\n",
            prog, dgrt_camels_variables, dgrt_derived_variables, DGRT_NETW_SEED);
}

/* the error and where the options are, not 70 lines of them */
static int usage_error(const DgrtErr *err, const char *prog, FILE *errf) {
    dgrt_err_print_usage(err, prog, errf);
    return DGRT_EXIT_USAGE;
}

/* An integer in [lo, hi]; the bounds keep a typo from turning into a terabyte allocation. */
static int parse_int(const char *opt, const char *s, int64_t lo, int64_t hi, int64_t *out, DgrtErr *err) {
    char *endp;
    errno = 0;
    long long v = strtoll(s, &endp, 10);
    if (!s[0] || *endp || errno || v < lo || v > hi)
        return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "%s '%s' is not an integer in [%lld, %lld]", opt, s,
                         (long long)lo, (long long)hi);
    *out = v;
    return 0;
}

static int find_option(const char *name) {
    for (int i = 0; i < OPT_COUNT; i++)
        if (!strcmp(options[i].name, name)) return i;
    return -1;
}

/* argv[1] is the command; options follow as `--opt VALUE` or `--opt=VALUE`. */
static int parse(const DgModel *m, int argc, char **argv, DgOptions *o, int *cmd, DgMap *maps, DgrtErr *err) {
    const char *cmd_names[5] = {"info", "simulate", "gradcheck", "train", "eval"};
    if (argc < 2) return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "missing command (info, simulate, gradcheck, train or eval)");
    *cmd = -1;
    for (int i = 0; i < 3; i++)
        if (!strcmp(argv[1], commands[i].name)) *cmd = i;
    if (*cmd < 0) {
        dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "unknown command '%s' (commands: info, simulate, gradcheck, train, eval)",
                  argv[1]);
        const char *near = dgrt_closest(argv[1], cmd_names, 5);
        if (near) dgrt_err_hint(err, "did you mean '%s'?", near);
        return err->code;
    }
    o->command = commands[*cmd].name;
    int bit = commands[*cmd].bit;
    int seen[OPT_COUNT] = {0};
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0)
            return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "unexpected argument '%s'", arg);
        char name[64];
        const char *val = NULL, *eq = strchr(arg, '=');
        size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
        snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), arg);
        int id = find_option(name);
        if (id < 0) {
            const char *names[OPT_COUNT];
            for (int k = 0; k < OPT_COUNT; k++) names[k] = options[k].name;
            dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "unknown option '%s'", name);
            const char *near = dgrt_closest(name, names, OPT_COUNT);
            if (near) dgrt_err_hint(err, "did you mean '%s'?", near);
            return err->code;
        }
        if (!(options[id].cmds & bit))
            return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "option %s does not apply to '%s'", name, o->command);
        if (seen[id]++ && !options[id].repeat)
            return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "option %s is given twice", name);
        if (options[id].value) {
            if (eq) val = eq + 1;
            else if (i + 1 < argc) val = argv[++i];
            else return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "option %s needs a value", name);
        } else if (eq) {
            return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "option %s takes no value", name);
        }
        int64_t iv = 0;   /* set by parse_int before any use */
        switch ((OptId)id) {
        case OPT_PARAMS: o->params_path = val; break;
        case OPT_INIT: o->inits[o->ninits++] = val; break;
        case OPT_NETW: o->netw_path = val; break;
        case OPT_FORCING_CSV: o->forcing.csv_path = val; break;
        case OPT_DATA: o->forcing.data_dir = val; break;
        case OPT_BASIN: o->forcing.basin = val; break;
        case OPT_MAP: {
            const char *e = strchr(val, '=');
            if (!e || e == val || !e[1])
                return dgrt_fail(err, DGRT_EXIT_USAGE,
                                 "write --map NAME=COLUMN or NAME=COLUMN:UNIT, e.g. --map PET=pet_hamon",
                                 "--map '%s' is not NAME=COLUMN", val);
            char *nm = mallocCheck((size_t)(e - val) + 1);   /* freed with the options (cli below) */
            memcpy(nm, val, (size_t)(e - val));
            nm[e - val] = 0;
            maps[o->forcing.nmaps].name = nm;
            maps[o->forcing.nmaps].column = e + 1;
            o->forcing.nmaps++;
            break;
        }
        case OPT_PERIOD:
            if (dgrt_parse_period(val, &o->forcing.start, &o->forcing.end, err)) return err->code;
            o->forcing.has_period = 1;
            break;
        case OPT_OUT: o->out_path = val; break;
        case OPT_STATES: o->states = 1; break;
        case OPT_OUTSIDE_BOUNDS: o->outside_bounds = 1; break;
        case OPT_PRECISION:
            if (!strcmp(val, "f32")) o->precision = DG_F32;
            else if (!strcmp(val, "f64")) o->precision = DG_F64;
            else return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "--precision '%s': expected f32 or f64", val);
            break;
        case OPT_COMPONENTS:
            if (parse_int(name, val, 1, MAX_COMPONENTS, &o->components, err)) return err->code;
            break;
        case OPT_SEED:
            if (parse_int(name, val, 0, INT64_MAX, &iv, err)) return err->code;
            o->seed = (uint64_t)iv;
            break;
        case OPT_TOL: {
            char *endp;
            o->tol = strtod(val, &endp);
            if (!val[0] || *endp || !(o->tol > 0) || !isfinite(o->tol))
                return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "--tol '%s' is not a positive number", val);
            break;
        }
        case OPT_STEPS:
            if (parse_int(name, val, 1, MAX_GRADCHECK_STEPS, &o->steps, err)) return err->code;
            break;
        case OPT_CELLS:
            if (parse_int(name, val, 1, MAX_GRADCHECK_CELLS, &o->cells, err)) return err->code;
            break;
        case OPT_LAT: {
            char *end;
            double lat = strtod(val, &end);
            if (!val[0] || *end || !(lat >= -90 && lat <= 90))
                return dgrt_fail(err, DGRT_EXIT_USAGE, "the basin's latitude in degrees, north positive",
                                 "--lat '%s' is not a number in [-90, 90]", val);
            o->forcing.latitude = lat;
            o->forcing.has_latitude = 1;
            break;
        }
        case OPT_COUNT: break;
        }
    }
    /* forcing: one source */
    const DgForcingSpec *fs = &o->forcing;
    if (fs->csv_path && (fs->data_dir || fs->basin))
        return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "give either --forcing-csv or --data/--basin, not both");
    if (!fs->data_dir != !fs->basin)
        return dgrt_fail(err, DGRT_EXIT_USAGE, "CAMELS forcing needs both: --data DIR --basin ID", "%s without %s",
                         fs->data_dir ? "--data" : "--basin", fs->data_dir ? "--basin" : "--data");
    int has_forcing = fs->csv_path || fs->data_dir;
    if ((bit & CMD_SIMULATE) && !has_forcing)
        return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "simulate needs forcing: --forcing-csv FILE or --data DIR --basin ID");
    if (!has_forcing && (fs->nmaps || fs->has_period))
        return dgrt_fail(err, DGRT_EXIT_USAGE, NULL, "%s applies to forcing read from a file (--forcing-csv or --data)",
                         fs->nmaps ? "--map" : "--period");
    (void)m;
    return 0;
}

static int run_command(const DgModel *m, int argc, char **argv, FILE *out, FILE *errf);

/* Under mpirun every rank runs the command (comm.h); rank 0 alone prints, and
 * a rank that fails stops the others instead of leaving them waiting. */
int dgrt_main_io(const DgModel *m, int argc, char **argv, FILE *out, FILE *errf) {
    dgrt_fpenv_init();   /* FTZ|DAZ unless DGC_DENORMALS=keep: subnormal gradients are slow on Intel (fpenv.h) */
    dgrt_comm_init(&argc, &argv);
    FILE *quiet = NULL;
    if (dgrt_comm_rank() != 0 && (quiet = fopen("/dev/null", "w"))) out = quiet;
    int rc = run_command(m, argc, argv, out, errf);
    fflush(out);
    if (quiet) fclose(quiet);
    if (rc != 0 && dgrt_comm_size() > 1) {
        fflush(errf);
        dgrt_comm_abort(rc);
    }
    dgrt_comm_finalize();
    return rc;
}

static int run_command(const DgModel *m, int argc, char **argv, FILE *out, FILE *errf) {
    DgrtErr err = {0};
    const char *prog = argc > 0 && argv[0] ? argv[0] : "model";
    const char *slash = strrchr(prog, '/');
    if (slash) prog = slash + 1;
    for (int i = 1; i < argc; i++)   /* `MODEL --help`, `MODEL help`, `MODEL simulate --help` */
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") || (i == 1 && !strcmp(argv[i], "help"))) {
            usage(prog, out);
            return DGRT_EXIT_OK;
        }
    if (m->abi_version != DG_ABI_VERSION) {
        dgrt_fail(&err, DGRT_EXIT_FAIL, "recompile the model with the dgc of this runtime",
                  "model '%s' was compiled for ABI version %u; this runtime has version %u", m->name ? m->name : "?",
                  m->abi_version, DG_ABI_VERSION);
        dgrt_err_print(&err, errf);
        return err.code;
    }
    /* train, eval, simulate --checkpoint: their own options (train.c, evaluate.c) */
    if (argc >= 2 && !strcmp(argv[1], "train")) return dgrt_cmd_train(m, argc, argv, out, errf);
    if (argc >= 2 && !strcmp(argv[1], "eval")) return dgrt_cmd_eval(m, argc, argv, out, errf);
    if (argc >= 2 && !strcmp(argv[1], "simulate"))
        for (int i = 2; i < argc; i++)
            if (!strcmp(argv[i], "--checkpoint") || !strncmp(argv[i], "--checkpoint=", 13))
                return dgrt_cmd_simulate_checkpoint(m, argc, argv, out, errf);
    DgOptions o;
    memset(&o, 0, sizeof o);
    o.prog = prog;
    o.precision = DG_F64;
    o.seed = 1;
    o.tol = 1e-6;
    o.inits = callocCheck((size_t)argc + 1, sizeof(char *));
    DgMap *maps = callocCheck((size_t)argc + 1, sizeof(DgMap));
    o.forcing.maps = maps;
    int cmd = -1, rc = parse(m, argc, argv, &o, &cmd, maps, &err);
    if (rc) rc = rc == DGRT_EXIT_USAGE ? usage_error(&err, prog, errf) : (dgrt_err_print(&err, errf), rc);
    else rc = commands[cmd].run(m, &o, out, errf);
    fflush(out);
    for (int i = 0; i < o.forcing.nmaps; i++) free((void *)maps[i].name);
    free(maps);
    free(o.inits);
    return rc;
}

int dgrt_main(const DgModel *model, int argc, char **argv) { return dgrt_main_io(model, argc, argv, stdout, stderr); }
