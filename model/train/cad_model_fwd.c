/* Forward and backward passes of a whole model over a batch, with dropout.
 *
 * Data flow (L layers, N = T * B rows):
 *   x --dropout_in--> xin[0] --layer 0--> y[0] --dropout--> xin[1] --> ...
 *   ... --layer L-1--> y[L-1] --dropout--> u --head--> loss
 * Layers of any kind (nn/cad_layer.h): this file never asks which. 
 * Every intermediate that backward needs lives in one workspace block. */
#include <stdlib.h>
#include <string.h>

#include "cad_model_train.h"

struct cad_model_ws {
    float *mem;
    long cap;
    float *xin[CAD_MAX_LAYERS + 1], *xmask[CAD_MAX_LAYERS + 1];
    float *acts[CAD_MAX_LAYERS + 1], *y[CAD_MAX_LAYERS + 1];
    float *u, *umask;
    float *head;   /* logits [N, n_out] or NADE biases */
    float *hrow;   /* NADE chain scratch */
    float *dA, *dB;  /* gradients w.r.t. layer outputs / inputs */
    float *scratch; /* the layers' backward scratch, the largest one's */
    /* The state a forward ended in, per layer [B, state] one after the
     * other, kept apart from mem (which the next forward re-carves). */
    float *state;
    long state_cap;
    int state_B;  /* batch size it was made for; 0 = none */
    int carry;
};

cad_model_ws *cad_model_ws_new(void) { return calloc(1, sizeof(cad_model_ws)); }

void cad_model_ws_free(cad_model_ws *ws)
{
    if (ws) {
        free(ws->mem);
        free(ws->state);
    }
    free(ws);
}

void cad_model_ws_carry(cad_model_ws *ws, int on)
{
    ws->carry = on;
    ws->state_B = 0;
}

static int max_width(const cad_model *m)
{
    const cad_model_config *c = &m->cfg;
    int w = c->n_in > c->n_out ? c->n_in : c->n_out;
    for (int l = 0; l < m->n_stack; l++)
        w = m->layer[l].n_hid > w ? m->layer[l].n_hid : w;
    return w;
}

/* Carves the workspace for a [T, B] batch, growing it if needed. */
static int ws_prepare(const cad_model *m, cad_model_ws *ws, int T, int B,
                      cad_error *e)
{
    const cad_model_config *c = &m->cfg;
    const long N = (long)T * B;
    const int top = cad_model_top(m), W = max_width(m);
    long need = 0, scratch = 0;
    for (int l = 0; l < m->n_stack; l++) {
        const cad_layer *L = &m->layer[l];
        const cad_layer_trainer *tr = cad_layer_trainer_for(L->kind);
        long s = tr->scratch_size(L, T, B);
        need += 2 * N * L->n_in + tr->acts_size(L, T, B) + N * L->n_hid;
        scratch = s > scratch ? s : scratch;
    }
    need += 2 * N * top;
    need += c->head == CAD_HEAD_NADE ? cad_nade_ws_size(&m->nade, (int)N)
                                     : N * c->n_out;
    need += c->head == CAD_HEAD_NADE ? (long)c->n_out * c->nade_hidden : 0;
    need += 2 * N * W + scratch;
    if (need > ws->cap) {
        float *mem = realloc(ws->mem, sizeof(float) * (size_t)need);
        if (!mem)
            return cad_error_set(e, "out of memory for a batch of %d x %d "
                                    "frames", T, B);
        ws->mem = mem;
        ws->cap = need;
    }
    float *p = ws->mem;
    for (int l = 0; l < m->n_stack; l++) {
        const cad_layer *L = &m->layer[l];
        ws->xin[l] = p, p += N * L->n_in;
        ws->xmask[l] = p, p += N * L->n_in;
        ws->acts[l] = p, p += cad_layer_trainer_for(L->kind)->acts_size(L, T, B);
        ws->y[l] = p, p += N * L->n_hid;
    }
    ws->u = p, p += N * top;
    ws->umask = p, p += N * top;
    ws->head = p;
    p += c->head == CAD_HEAD_NADE ? cad_nade_ws_size(&m->nade, (int)N)
                                  : N * c->n_out;
    ws->hrow = p;
    p += c->head == CAD_HEAD_NADE ? (long)c->n_out * c->nade_hidden : 0;
    ws->dA = p, p += N * W;
    ws->dB = p, p += N * W;
    ws->scratch = p;
    return 0;
}

/* out = in * mask, with mask = 1/(1-p) for kept units and 0 for dropped
 * ones (inverted dropout: nothing to rescale at generation time). */
static void dropout(long n, const float *in, float *out, float *mask, float p,
                    int train, cad_rng *rng)
{
    if (!train || p <= 0) {
        memcpy(out, in, sizeof(float) * (size_t)n);
        for (long i = 0; i < n; i++)
            mask[i] = 1.0f;
        return;
    }
    float keep = 1.0f / (1.0f - p);
    for (long i = 0; i < n; i++) {
        mask[i] = cad_rng_uniform(rng) >= p ? keep : 0.0f;
        out[i] = in[i] * mask[i];
    }
}

int cad_model_forward(cad_model *m, cad_model_ws *ws, const cad_batch *b,
                      int train, cad_rng *rng, double *loss, double *nll,
                      cad_error *e)
{
    const cad_model_config *c = &m->cfg;
    const int T = b->T, B = b->B, L = m->n_stack;
    const long N = (long)T * B;
    if (ws_prepare(m, ws, T, B, e))
        return -1;
    long state_need = 0;
    for (int l = 0; l < L; l++)
        state_need += B * m->layer[l].kind->state_size(&m->layer[l]);
    if (ws->carry && state_need > ws->state_cap) {
        float *st = realloc(ws->state, sizeof(float) * (size_t)state_need);
        if (!st)
            return cad_error_set(e, "out of memory for the recurrent state");
        ws->state = st;
        ws->state_cap = state_need;
        ws->state_B = 0;
    }
    const int from_state = ws->carry && ws->state_B == B;
    const float *in = b->x;
    float *st = ws->state;
    for (int l = 0; l < L; l++) {
        const cad_layer *Ly = &m->layer[l];
        float p = l == 0 ? c->dropout_in : c->dropout;
        dropout(N * Ly->n_in, in, ws->xin[l], ws->xmask[l], p, train, rng);
        /* with carry on, start from the state the last chunk ended in and
         * leave the state after step T there for the next one */
        cad_layer_trainer_for(Ly->kind)->forward(
            Ly, T, B, ws->xin[l], from_state ? st : NULL, ws->acts[l],
            ws->y[l], ws->carry ? st : NULL);
        if (ws->carry)
            st += B * Ly->kind->state_size(Ly);
        in = ws->y[l];
    }
    if (ws->carry)
        ws->state_B = B;
    const int top = cad_model_top(m);
    dropout(N * top, in, ws->u, ws->umask, c->dropout, train, rng);
    if (c->head == CAD_HEAD_NADE) {
        double s = 0;
        cad_nade_forward(&m->nade, (int)N, ws->u, b->y, b->mask, ws->head, &s);
        *loss += s;
        *nll += s;
    } else {
        cad_linear_head_forward(&m->fc, (int)N, ws->u, b->y, b->mask,
                                ws->head, loss, nll);
    }
    return 0;
}

void cad_model_backward(cad_model *m, cad_model_ws *ws, const cad_batch *b,
                        float scale)
{
    const cad_model_config *c = &m->cfg;
    const int T = b->T, B = b->B, L = m->n_stack;
    const long N = (long)T * B;
    const int top = cad_model_top(m);
    float *dh = ws->dA, *dx = ws->dB;
    if (c->head == CAD_HEAD_NADE)
        cad_nade_backward(&m->nade, (int)N, ws->u, b->y, b->mask, ws->head,
                          scale, dh, ws->hrow);
    else
        cad_linear_head_backward(&m->fc, (int)N, ws->u, b->y, b->mask,
                                 ws->head, scale, dh);
    for (long i = 0; i < N * top; i++)
        dh[i] *= ws->umask[i];
    for (int l = L - 1; l >= 0; l--) {
        const cad_layer *Ly = &m->layer[l];
        cad_layer_trainer_for(Ly->kind)->backward(
            Ly, T, B, ws->xin[l], NULL, ws->acts[l], ws->y[l], dh,
            l > 0 ? dx : NULL, ws->scratch);
        if (l == 0)
            break;
        /* Through the dropout below this layer, into the layer beneath. */
        long n = N * Ly->n_in;
        for (long i = 0; i < n; i++)
            dx[i] *= ws->xmask[l][i];
        float *t = dh;
        dh = dx;
        dx = t;
    }
}
