/* test_abi_layout.c — the LLVM struct types codegen.c builds for the model
 * ABI (cg_abi_types) against the C compiler's layout of runtime/dgrt.h:
 * every field offset (LLVMOffsetOfElement vs offsetof) and every size
 * (LLVMABISizeOfType vs sizeof), under the data layout of the host target
 * machine that the JIT and ahead-of-time compilation use. */
#include <stddef.h>
#include <llvm-c/Target.h>

#include "check.h"
#include "codegen.h"

static LLVMTargetDataRef td;

#define OFF(llty, idx, ctype, field) CHECK(LLVMOffsetOfElement(td, llty, idx) == offsetof(ctype, field))
#define SIZE(llty, ctype) CHECK(LLVMABISizeOfType(td, llty) == sizeof(ctype))

static void check_layouts(LLVMTargetMachineRef tm) {
    LLVMContextRef ctx = LLVMContextCreate();
    CgAbi abi;
    cg_abi_types(ctx, &abi);
    td = LLVMCreateTargetDataLayout(tm);

    /* grep ORDER DgRun */
    OFF(abi.run, CG_RUN_NCELLS, DgRun, ncells);
    OFF(abi.run, CG_RUN_NCOMP, DgRun, ncomp);
    OFF(abi.run, CG_RUN_NSTEPS, DgRun, nsteps);
    OFF(abi.run, CG_RUN_PARAMS, DgRun, params);
    OFF(abi.run, CG_RUN_DYN_PARAMS, DgRun, dyn_params);
    OFF(abi.run, CG_RUN_FORCING, DgRun, forcing);
    OFF(abi.run, CG_RUN_STATES, DgRun, states);
    OFF(abi.run, CG_RUN_OUT, DgRun, out);
    OFF(abi.run, CG_RUN_TAPE, DgRun, tape);
    OFF(abi.run, CG_RUN_DOUT, DgRun, dout);
    OFF(abi.run, CG_RUN_DPARAMS, DgRun, dparams);
    OFF(abi.run, CG_RUN_DDYN_PARAMS, DgRun, ddyn_params);
    OFF(abi.run, CG_RUN_DSTATES, DgRun, dstates);
    OFF(abi.run, CG_RUN_NETW, DgRun, netw);
    OFF(abi.run, CG_RUN_DNETW, DgRun, dnetw);
    OFF(abi.run, CG_RUN_DFORCING, DgRun, dforcing);
    OFF(abi.run, CG_RUN_INPUT_NORM, DgRun, input_norm);
    CHECK(LLVMCountStructElementTypes(abi.run) == CG_RUN_NFIELDS);
    SIZE(abi.run, DgRun);

    OFF(abi.param_info, 0, DgParamInfo, name);
    OFF(abi.param_info, 1, DgParamInfo, unit);
    OFF(abi.param_info, 2, DgParamInfo, lo);
    OFF(abi.param_info, 3, DgParamInfo, hi);
    OFF(abi.param_info, 4, DgParamInfo, value);
    OFF(abi.param_info, 5, DgParamInfo, mark);
    OFF(abi.param_info, 6, DgParamInfo, basin_level);
    SIZE(abi.param_info, DgParamInfo);

    OFF(abi.name_info, 0, DgNameInfo, name);
    OFF(abi.name_info, 1, DgNameInfo, unit);
    SIZE(abi.name_info, DgNameInfo);

    OFF(abi.output_info, 0, DgOutputInfo, name);
    OFF(abi.output_info, 1, DgOutputInfo, unit);
    OFF(abi.output_info, 2, DgOutputInfo, route_weights);
    OFF(abi.output_info, 3, DgOutputInfo, route_len);
    SIZE(abi.output_info, DgOutputInfo);

    OFF(abi.net_info, 0, DgNetInfo, name);
    OFF(abi.net_info, 1, DgNetInfo, nsizes);
    OFF(abi.net_info, 2, DgNetInfo, sizes);
    OFF(abi.net_info, 3, DgNetInfo, offset);
    OFF(abi.net_info, 4, DgNetInfo, activation);
    OFF(abi.net_info, 5, DgNetInfo, output_activation);
    SIZE(abi.net_info, DgNetInfo);

    OFF(abi.learn_info, 0, DgLearnInfo, kind);
    OFF(abi.learn_info, 1, DgLearnInfo, hidden);
    OFF(abi.learn_info, 2, DgLearnInfo, layers);
    OFF(abi.learn_info, 3, DgLearnInfo, dropout);
    OFF(abi.learn_info, 4, DgLearnInfo, nforcings);
    OFF(abi.learn_info, 5, DgLearnInfo, forcings);
    OFF(abi.learn_info, 6, DgLearnInfo, nattributes);
    OFF(abi.learn_info, 7, DgLearnInfo, attributes);
    CHECK(LLVMCountStructElementTypes(abi.learn_info) == 8);
    SIZE(abi.learn_info, DgLearnInfo);

    /* grep ORDER DgModel */
    OFF(abi.model, CG_MODEL_ABI_VERSION, DgModel, abi_version);
    OFF(abi.model, CG_MODEL_NAME, DgModel, name);
    OFF(abi.model, CG_MODEL_DOC, DgModel, doc);
    OFF(abi.model, CG_MODEL_NPARAMS, DgModel, nparams);
    OFF(abi.model, CG_MODEL_NINPUTS, DgModel, ninputs);
    OFF(abi.model, CG_MODEL_NSTATES, DgModel, nstates);
    OFF(abi.model, CG_MODEL_NUSER_STATES, DgModel, nuser_states);
    OFF(abi.model, CG_MODEL_NOUTPUTS, DgModel, noutputs);
    OFF(abi.model, CG_MODEL_NWEIGHTS, DgModel, nweights);
    OFF(abi.model, CG_MODEL_COMPONENTS, DgModel, components);
    OFF(abi.model, CG_MODEL_NNETW, DgModel, nnetw);
    OFF(abi.model, CG_MODEL_NNETS, DgModel, nnets);
    OFF(abi.model, CG_MODEL_PARAMS, DgModel, params);
    OFF(abi.model, CG_MODEL_INPUTS, DgModel, inputs);
    OFF(abi.model, CG_MODEL_STATES, DgModel, states);
    OFF(abi.model, CG_MODEL_OUTPUTS, DgModel, outputs);
    OFF(abi.model, CG_MODEL_NETS, DgModel, nets);
    OFF(abi.model, CG_MODEL_INIT, DgModel, init);
    OFF(abi.model, CG_MODEL_INIT_REV, DgModel, init_rev);
    OFF(abi.model, CG_MODEL_RUN_FWD, DgModel, run_fwd);
    OFF(abi.model, CG_MODEL_RUN_REV, DgModel, run_rev);
    OFF(abi.model, CG_MODEL_PROLOGUE, DgModel, prologue);
    OFF(abi.model, CG_MODEL_PROLOGUE_REV, DgModel, prologue_rev);
    OFF(abi.model, CG_MODEL_LEARN, DgModel, learn);
    OFF(abi.model, CG_MODEL_BUILT_FOR, DgModel, built_for);
    OFF(abi.model, CG_MODEL_NNORM_INPUTS, DgModel, nnorm_inputs);
    OFF(abi.model, CG_MODEL_NORM_INPUTS, DgModel, norm_inputs);
    CHECK(LLVMCountStructElementTypes(abi.model) == CG_MODEL_NFIELDS);
    SIZE(abi.model, DgModel);
    SIZE(LLVMArrayType(abi.kernel_ptr, 2), DgKernel[2]);

    /* a second call in the same context finds the same types */
    CgAbi again;
    cg_abi_types(ctx, &again);
    CHECK(again.run == abi.run && again.model == abi.model && again.net_info == abi.net_info &&
          again.learn_info == abi.learn_info);

    LLVMDisposeTargetData(td);
    LLVMContextDispose(ctx);
}

int main(void) {
    /* the JIT's (host CPU) and a portable ahead-of-time (generic CPU) machine */
    for (int host = 0; host < 2; host++) {
        LLVMTargetMachineRef tm = target_create_machine(host ? TARGET_CPU_NATIVE : TARGET_CPU_GENERIC, 2, host, stderr);
        CHECK(tm != NULL);
        if (!tm) break;
        check_layouts(tm);
        LLVMDisposeTargetMachine(tm);
    }
    return check_report("test_abi_layout");
}
