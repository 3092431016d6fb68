/* Forward and backward passes of a whole model over a batch, with dropout.
 *
 * Data flow (L layers, N = T * B rows):
 *   x --dropout_in--> xin[0] --LSTM 0--> h0 --dropout--> xin[1] --> ...
 *   ... --LSTM L-1--> h --dropout--> u --head--> loss
 * Every intermediate that backward needs lives in one workspace block. */
#include <stdlib.h>
#include <string.h>

#include "cad_model.h"

struct cad_model_ws {
    float *mem;
    long cap;
    float *xin[CAD_MAX_LAYERS], *xmask[CAD_MAX_LAYERS];
    cad_lstm_acts acts[CAD_MAX_LAYERS];
    float *u, *umask;
    float *head;   /* logits [N, n_out] or NADE biases */
    float *hrow;   /* NADE chain scratch */
    float *dA, *dB;  /* gradients w.r.t. layer outputs / inputs */
    float *dgates;
    /* The LSTM state a forward ended in, per layer h then c ([B, H] each),
     * kept apart from mem (which the next forward re-carves). */
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

static int max_width(const cad_model_config *c)
{
    int w = c->n_in > c->n_out ? c->n_in : c->n_out;
    for (int l = 0; l < c->n_layers; l++)
        w = c->hidden[l] > w ? c->hidden[l] : w;
    return w;
}

/* Carves the workspace for a [T, B] batch, growing it if needed. */
static int ws_prepare(const cad_model *m, cad_model_ws *ws, int T, int B,
                      cad_error *e)
{
    const cad_model_config *c = &m->cfg;
    const long N = (long)T * B;
    const int top = c->hidden[c->n_layers - 1], W = max_width(c);
    long need = 0;
    for (int l = 0; l < c->n_layers; l++) {
        long in = m->lstm[l].n_in;
        need += 2 * N * in + cad_lstm_acts_size(c->hidden[l], T, B);
    }
    need += 2 * N * top;
    need += c->head == CAD_HEAD_NADE ? cad_nade_ws_size(&m->nade, (int)N)
                                     : N * c->n_out;
    need += c->head == CAD_HEAD_NADE ? (long)c->n_out * c->nade_hidden : 0;
    need += 2 * N * W + N * 4L * W;
    if (need > ws->cap) {
        float *mem = realloc(ws->mem, sizeof(float) * (size_t)need);
        if (!mem)
            return cad_error_set(e, "out of memory for a batch of %d x %d "
                                    "frames", T, B);
        ws->mem = mem;
        ws->cap = need;
    }
    float *p = ws->mem;
    for (int l = 0; l < c->n_layers; l++) {
        long in = m->lstm[l].n_in;
        ws->xin[l] = p, p += N * in;
        ws->xmask[l] = p, p += N * in;
        cad_lstm_acts_bind(&ws->acts[l], p, c->hidden[l], T, B);
        p += cad_lstm_acts_size(c->hidden[l], T, B);
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
    ws->dgates = p;
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
    const int T = b->T, B = b->B, L = c->n_layers;
    const long N = (long)T * B;
    if (ws_prepare(m, ws, T, B, e))
        return -1;
    long state_need = 0;
    for (int l = 0; l < L; l++)
        state_need += 2L * B * c->hidden[l];
    if (ws->carry && state_need > ws->state_cap) {
        float *st = realloc(ws->state, sizeof(float) * (size_t)state_need);
        if (!st)
            return cad_error_set(e, "out of memory for the LSTM state");
        ws->state = st;
        ws->state_cap = state_need;
        ws->state_B = 0;
    }
    const int from_state = ws->carry && ws->state_B == B;
    const float *in = b->x;
    float *st = ws->state;
    for (int l = 0; l < L; l++) {
        float p = l == 0 ? c->dropout_in : c->dropout;
        const long bh = (long)B * c->hidden[l];
        dropout(N * m->lstm[l].n_in, in, ws->xin[l], ws->xmask[l], p, train,
                rng);
        cad_lstm_forward(&m->lstm[l], T, B, ws->xin[l], &ws->acts[l],
                         from_state ? st : NULL, from_state ? st + bh : NULL);
        if (ws->carry) { /* the state after step T, for the next chunk */
            memcpy(st, ws->acts[l].h + (long)T * bh, sizeof(float) * bh);
            memcpy(st + bh, ws->acts[l].c + (long)T * bh, sizeof(float) * bh);
            st += 2 * bh;
        }
        in = ws->acts[l].h + bh; /* skip the h0 row */
    }
    if (ws->carry)
        ws->state_B = B;
    const int top = c->hidden[L - 1];
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
    const int T = b->T, B = b->B, L = c->n_layers;
    const long N = (long)T * B;
    const int top = c->hidden[L - 1];
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
        cad_lstm_backward(&m->lstm[l], T, B, ws->xin[l], &ws->acts[l], dh,
                          ws->dgates, l > 0 ? dx : NULL);
        if (l == 0)
            break;
        /* Through the dropout below this layer, into the layer beneath. */
        long n = N * m->lstm[l].n_in;
        for (long i = 0; i < n; i++)
            dx[i] *= ws->xmask[l][i];
        float *t = dh;
        dh = dx;
        dx = t;
    }
}
