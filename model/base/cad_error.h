/* Error reporting shared by every module: a function that can fail returns
 * 0 on success or -1 on failure and, on failure, leaves a human-readable
 * message (naming the file and the problem) in a caller-owned cad_error. */
#ifndef CAD_ERROR_H
#define CAD_ERROR_H

typedef struct {
    char msg[512];
} cad_error;

/* printf-style; always returns -1 so callers can write
 * `return cad_error_set(e, "...")`. e may be NULL. */
int cad_error_set(cad_error *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefix an existing message, e.g. with the file name. Returns -1. */
int cad_error_prefix(cad_error *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
