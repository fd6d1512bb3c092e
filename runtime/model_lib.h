/* model_lib.h — what the files of the model library (libdgcapi.a:
 * model_api.c, model_bmi.c) share beyond the public dgc_model_api.h. Not
 * exported from a model's shared library (hidden visibility). */
#ifndef DGC_MODEL_LIB_H
#define DGC_MODEL_LIB_H

/* Records the message dgc_last_error() returns and returns `code`. */
__attribute__((format(printf, 2, 3)))
int dgc_fail_(int code, const char *fmt, ...);

#endif
