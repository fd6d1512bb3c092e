"""ctypes declarations of runtime/dgc_model_api.h (API version 2) for one
model library, and the error check every call goes through."""

import ctypes as C

API_VERSION = 2

F32, F64 = 0, 1
PARAMS, INPUTS, STATES, OUTPUTS = 0, 1, 2, 3
STATES_INITIAL, STATES_FINAL = 0, 1
GRAD_PARAMS, GRAD_DYN_PARAMS, GRAD_FORCING, GRAD_INIT_STATES, GRAD_NETW = 0, 1, 2, 3, 4
NO_GRAD = 1


class DgcError(RuntimeError):
    """A call into a model library failed; the message is dgc_last_error()."""


_vp, _i64, _int, _dbl = C.c_void_p, C.c_int64, C.c_int, C.c_double
_SIGNATURES = {
    "dgc_api_version": (C.c_uint, []),
    "dgc_last_error": (C.c_char_p, []),
    "dgc_model_name": (C.c_char_p, []),
    "dgc_model_doc": (C.c_char_p, []),
    "dgc_model_count": (_int, [_int]),
    "dgc_model_user_states": (_int, []),
    "dgc_model_components": (_int, []),
    "dgc_model_nnetw": (_int, []),
    "dgc_model_nweights": (_int, []),
    "dgc_model_norm_input": (_int, [_int]),
    "dgc_model_var_name": (C.c_char_p, [_int, _int]),
    "dgc_model_var_unit": (C.c_char_p, [_int, _int]),
    "dgc_model_var_index": (_int, [_int, C.c_char_p]),
    "dgc_model_param_info": (_int, [_int] + [C.POINTER(_dbl)] * 3 + [C.POINTER(_int)] * 2),
    "dgc_model_output_route": (_int, [_int, C.POINTER(_int), C.POINTER(_int)]),
    "dgc_create": (_vp, [_i64, _i64, _i64, _int, _int]),
    "dgc_destroy": (None, [_vp]),
    "dgc_sizes": (_int, [_vp, C.POINTER(_i64), C.POINTER(_i64), C.POINTER(_i64), C.POINTER(_int)]),
    "dgc_set_params": (_int, [_vp, _vp]),
    "dgc_set_param": (_int, [_vp, _int, _vp]),
    "dgc_set_dyn_params": (_int, [_vp, _vp]),
    "dgc_set_forcing": (_int, [_vp, _vp]),
    "dgc_set_netw": (_int, [_vp, _vp]),
    "dgc_set_input_stats": (_int, [_vp, _vp, _vp]),
    "dgc_set_init_state": (_int, [_vp, _int, _vp]),
    "dgc_set_init_states": (_int, [_vp, _vp]),
    "dgc_forward": (_int, [_vp]),
    "dgc_get_outputs": (_int, [_vp, _vp]),
    "dgc_get_cell_outputs": (_int, [_vp, _vp]),
    "dgc_get_route_weights": (_int, [_vp, _vp]),
    "dgc_get_states": (_int, [_vp, _int, _vp]),
    "dgc_backward": (_int, [_vp, _vp]),
    "dgc_get_grad": (_int, [_vp, _int, _vp]),
}


class Library:
    """A loaded model library: its functions with their C signatures."""

    def __init__(self, path):
        self.path = str(path)
        self.dll = C.CDLL(self.path)   # RTLD_LOCAL: several models may be loaded at once
        for name, (res, args) in _SIGNATURES.items():
            fn = getattr(self.dll, name)
            fn.restype = res
            fn.argtypes = args
            setattr(self, name[4:], fn)   # dgc_forward -> self.forward
        version = self.api_version()
        if version != API_VERSION:
            raise DgcError(f"{self.path}: model library API version {version}, this package speaks {API_VERSION}; "
                           "recompile the model with the dgc of this package")

    def error(self):
        return (self.last_error() or b"").decode()

    def check(self, rc, what):
        """Raises DgcError with the library's message when a call failed."""
        if rc:
            raise DgcError(f"{what}: {self.error()} (code {rc})")
