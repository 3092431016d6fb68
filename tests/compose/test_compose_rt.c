/* The composer's promises under random use: with constraints that change
 * at every call (key, scale, range, voices, threshold, temperature, top-k),
 * random call lengths and listen-mode steps in between, every note-on is a
 * pitch the constraints of its call allow, note-ons and note-offs pair up,
 * events come in time order before the call's goal, no frame holds more
 * keys than max_notes, and advance, observe_keys and reset never allocate
 * (counted by the plugin tests' allocator replacements, plugin/cad_rt.c).
 * Random LSTM models with a sigmoid and a NADE head, biased to play most
 * keys, so that the mask has something to refuse. */
#include "cad_rt.h"
#include "compose_fixture.h"

enum { MAXEV = 4096, CALLS = 400 };

static void random_constraints(cad_rng *g, cad_constraints *k)
{
    cad_constraints_default(k);
    k->key = (int)(cad_rng_uniform(g) * 12);
    k->scale = (cad_scale)(int)(cad_rng_uniform(g) * CAD_SCALE_COUNT);
    k->low = 15 + (int)(cad_rng_uniform(g) * 70);
    k->high = k->low + (int)(cad_rng_uniform(g) * 50);
    k->max_notes = (int)(cad_rng_uniform(g) * 5);
    k->threshold = cad_rng_uniform(g) < 0.3f ? cad_rng_uniform(g) * 0.5f : 0;
    k->temperature = cad_rng_uniform(g) < 0.1f ? 0 : 0.2f + 2 * cad_rng_uniform(g);
    k->top_k = (int)(cad_rng_uniform(g) * 3);
    k->velocity = 1 + (int)(cad_rng_uniform(g) * 127);
}

static void run(cad_head_kind head)
{
    cad_model_config cfg;
    cad_model_config_default(&cfg);
    cfg.n_layers = 1;
    cfg.hidden[0] = 16;
    cfg.head = head;
    cfg.nade_hidden = 8;
    cad_model *m;
    cad_error e;
    CHECK(cad_model_new(&cfg, 11, &m, &e) == 0);
    for (int k = 0; k < 88; k++)
        fixture_set(m, head == CAD_HEAD_NADE ? "nade.bv" : "fc.bias", k, 0, 1.5f);
    cad_repr *r = fixture_repr(m);
    cad_composer *c = cad_composer_new(m, r, &e);
    CHECK(c != NULL);
    cad_rng g;
    cad_rng_seed(&g, 5);
    static cad_event ev[MAXEV];
    uint8_t sounding[128] = {0};
    double until = 0, last = 0;
    long allocs = 0, on = 0, refused_somewhere = 0;
    int bad_mask = 0, bad_pair = 0, bad_time = 0, bad_voices = 0;
    for (int call = 0; call < CALLS; call++) {
        cad_constraints k;
        random_constraints(&g, &k);
        for (int p = 0; p < 128; p++)
            refused_somewhere += !cad_constraints_allow(&k, p);
        int reset = call % 50 == 49, observed = !reset && call % 7 == 6;
        if (reset) { /* a reset forgets what sounded, back to beat 0 */
            memset(sounding, 0, sizeof sounding);
            until = last = 0;
        }
        double prev = until;
        until += cad_rng_uniform(&g) * 3;
        int n, rc;
        cad_rt_arm(1);
        if (reset) {
            cad_composer_reset(c, (uint64_t)call);
        } else if (observed) { /* the player takes a step */
            uint8_t keys[128] = {0};
            keys[40 + call % 40] = 1;
            cad_composer_observe_keys(c, &k, keys);
        }
        long steps0 = cad_composer_steps(c);
        rc = cad_composer_advance(c, &k, until, ev, MAXEV, &n, &e);
        cad_rt_arm(0);
        allocs = cad_rt_count();
        CHECK(rc == 0);
        for (int i = 0; i < n; i++) {
            const cad_event *x = &ev[i];
            bad_time += x->beat < last || x->beat >= until || x->beat < prev - 1e-9;
            last = x->beat;
            if (x->kind == CAD_EVENT_NOTE_ON) {
                on++;
                bad_mask += !cad_constraints_allow(&k, x->pitch) ||
                            x->velocity != k.velocity;
                bad_pair += sounding[x->pitch];
                sounding[x->pitch] = 1;
            } else {
                bad_pair += !sounding[x->pitch];
                sounding[x->pitch] = 0;
            }
        }
        if (cad_composer_steps(c) > steps0) {
            /* the last frame of this call was played under k */
            int held = 0;
            for (int p = 0; p < 128; p++) {
                held += sounding[p];
                bad_mask += sounding[p] && !cad_constraints_allow(&k, p);
            }
            bad_voices += k.max_notes > 0 && held > k.max_notes;
        }
    }
    CHECKF(on > 1000, "%s: only %ld note-ons", cad_head_name(head), on);
    CHECK(refused_somewhere > 0);
    CHECKF(bad_mask == 0, "%s: %d notes outside the mask", cad_head_name(head), bad_mask);
    CHECKF(bad_pair == 0, "%s: %d unpaired events", cad_head_name(head), bad_pair);
    CHECKF(bad_time == 0, "%s: %d events out of time", cad_head_name(head), bad_time);
    CHECKF(bad_voices == 0, "%s: %d frames over max_notes", cad_head_name(head), bad_voices);
    CHECKF(allocs == 0, "%s: %ld allocations (last: %s)", cad_head_name(head),
           allocs, cad_rt_last());
    cad_composer_free(c);
    cad_repr_free(r);
    cad_model_free(m);
}

int main(void)
{
    cad_rt_init();
    run(CAD_HEAD_SIGMOID);
    run(CAD_HEAD_NADE);
    TEST_MAIN_END();
}
