#include "cad_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cad_error_set(cad_error *e, const char *fmt, ...)
{
    if (!e)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int cad_error_prefix(cad_error *e, const char *fmt, ...)
{
    if (!e)
        return -1;
    char head[256], old[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    /* Build "head: old" by hand: snprintf would warn (rightly) that the
     * result may be cut, which is what we want for an over-long message. */
    size_t hl = strlen(head), cap = sizeof e->msg - 1, n = 0;
    for (size_t i = 0; i < hl && n < cap; i++)
        e->msg[n++] = head[i];
    for (const char *p = ": "; *p && n < cap; p++)
        e->msg[n++] = *p;
    for (size_t i = 0; old[i] && n < cap; i++)
        e->msg[n++] = old[i];
    e->msg[n] = '\0';
    return -1;
}
