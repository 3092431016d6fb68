/* A look at JSON text before cJSON builds a tree of it: how deep it nests
 * and how many values it holds, in one pass and no memory. cJSON spends
 * about 64 bytes per value and gives up at 1000 levels with a bare syntax
 * error; this lets a parser refuse a hostile shape first, with a message
 * that says what is wrong ("nested 1500 levels deep"), and bounds what the
 * tree can cost. Strings are skipped (brackets and commas in them do not
 * count); syntax is left to cJSON. Header-only: two parsers share it. */
#ifndef CAD_JSON_SCAN_H
#define CAD_JSON_SCAN_H

#include <stddef.h>

typedef struct {
    long depth;  /* deepest nesting of [ and { */
    long values; /* upper bound on the values cJSON would allocate */
} cad_json_shape;

/* Stops early once depth exceeds max_depth or values exceeds max_values
 * (the shape then says by how much, at least). */
static inline void cad_json_scan(const char *s, size_t n, long max_depth,
                                 long max_values, cad_json_shape *out)
{
    long depth = 0;
    out->depth = 0;
    out->values = 1;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '"') {
            for (i++; i < n && s[i] != '"'; i++)
                if (s[i] == '\\')
                    i++;
            continue;
        }
        if (c == '[' || c == '{') {
            if (++depth > out->depth)
                out->depth = depth;
            out->values++;
        } else if (c == ']' || c == '}') {
            depth--;
        } else if (c == ',' || c == ':') {
            out->values++; /* a key and its value, or the next element */
        }
        if (out->depth > max_depth || out->values > max_values)
            return;
    }
}

#endif
