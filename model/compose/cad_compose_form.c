/* Song form (cad_compose_form): a piece in sections named by letters,
 * where equal letters are the same music, as the note+duration token
 * system wrote its songs (ABCBDB: verse, chorus, verse, chorus, bridge,
 * chorus).
 *
 * Each new letter is composed as a piece of its own (cad_compose_score),
 * primed with the section heard just before it, so it carries on in that
 * section's key and style; the first is primed with the command's primer,
 * if any. A letter that comes back is copied, note for note. Sections
 * are cut at their length (a note held over the end is shortened to it),
 * so that a repeat is exactly the section it repeats wherever it falls. */
#include <string.h>

#include "cad_compose_priv.h"

/* The section's notes that begin inside [0, beats), cut at its end. */
static void cut_section(cad_score *s, double beats)
{
    int kept = 0;
    for (int i = 0; i < s->n_notes; i++) {
        cad_note n = s->notes[i];
        if (n.onset >= beats)
            continue;
        if (n.onset + n.duration > beats)
            n.duration = beats - n.onset;
        s->notes[kept++] = n;
    }
    s->n_notes = kept;
}

int cad_compose_form_check(const char *form, cad_error *e)
{
    size_t n = form ? strlen(form) : 0;
    if (n == 0 || n > CAD_FORM_MAX) {
        cad_error_set(e, "a form is 1 to %d letters (\"%s\" has %zu)",
                      CAD_FORM_MAX, form ? form : "", n);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (form[i] < 'A' || form[i] > 'Z') {
            cad_error_set(e, "a form is written in capital letters, e.g. "
                             "ABCBDB (\"%s\" has '%c')", form, form[i]);
            return -1;
        }
    return 0;
}

/* Appends s's notes, moved `at` beats later. */
static int append_at(cad_score *out, const cad_score *s, double at,
                     cad_error *e)
{
    for (int i = 0; i < s->n_notes; i++) {
        cad_note n = s->notes[i];
        n.onset += at;
        if (cad_score_push(out, &n, e))
            return -1;
    }
    return 0;
}

int cad_compose_form(const cad_model *m, const cad_repr *r,
                     const cad_compose_opts *o, const char *form,
                     double section_beats, cad_score *out, long *steps,
                     cad_error *e)
{
    if (cad_compose_form_check(form, e))
        return -1;
    if (!(section_beats > 0 && section_beats <= 4096)) {
        cad_error_set(e, "a section lasts more than 0 and at most 4096 "
                         "beats (asked: %g)", section_beats);
        return -1;
    }
    cad_score sec[26];
    int have[26] = {0}, n_new = 0, rc = -1, started = 0;
    long total = 0;
    const cad_score *prev = o->primer;
    int prev_steps = o->primer_steps;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; form[i]; i++) {
        int L = form[i] - 'A';
        if (!have[L]) {
            cad_compose_opts so = *o;
            /* every new section its own random numbers, so two letters
               never come out the same by accident */
            so.seed = o->seed + 0x9E3779B97F4A7C15ull * (uint64_t)n_new++;
            so.beats = section_beats;
            so.primer = prev;
            so.primer_steps = prev == o->primer ? prev_steps : 1 << 20;
            long n = 0;
            if (cad_compose_score(m, r, &so, &sec[L], &n, e))
                goto out;
            have[L] = 1;
            total += n;
            cut_section(&sec[L], section_beats);
        }
        if (!started) {
            /* the whole piece at the sections' tempo, metre and key */
            if (cad_score_init(out, e))
                goto out;
            out->key_sharps = sec[L].key_sharps;
            out->key_minor = sec[L].key_minor;
            out->has_key = sec[L].has_key;
            out->program = sec[L].program;
            started = 1;
            if (cad_score_set_tempo(out, sec[L].tempo, sec[L].n_tempo, e) ||
                cad_score_set_meter(out, sec[L].meter, sec[L].n_meter, e))
                goto out;
        }
        if (append_at(out, &sec[L], (double)i * section_beats, e))
            goto out;
        prev = &sec[L];
    }
    cad_score_sort(out);
    if (steps)
        *steps = total;
    rc = 0;
out:
    for (int L = 0; L < 26; L++)
        if (have[L])
            cad_score_free(&sec[L]);
    if (rc && started)
        cad_score_free(out);
    return rc;
}
