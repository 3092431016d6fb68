#!/usr/bin/python3
"""PyTorch's side of the single-step benchmark (bench/run).

    torch_step.py LAYERS HIDDEN OUT.safetensors [STEPS]

Builds nn.LSTM(88, HIDDEN, LAYERS) + nn.Linear(HIDDEN, 88) with random
weights, writes them to OUT under PyTorch's state_dict names (Cadenza loads
the very same weights), then times what Cadenza's cad_gen_sample does: one
LSTM step at batch 1, the sigmoid head, a Bernoulli draw per key, and the
drawn frame fed back as the next input. One thread, no autograd. Prints
"median_us p99_us how" (how: which of two ways to write the step was
faster, see below). Run it with OMP_WAIT_POLICY=PASSIVE and
OPENBLAS_NUM_THREADS=1 in the environment (bench/run does), or Debian's
torch spins two thread pools against each other."""
import os
import sys
import time

import torch

# PyTorch's side of Cadenza's model files (python/cadenza_torch.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "python"))
import cadenza_torch  # noqa: E402

layers, hidden, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
steps = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
torch.set_num_threads(1)
torch.manual_seed(layers * 1000 + hidden)
lstm = torch.nn.LSTM(88, hidden, num_layers=layers)
fc = torch.nn.Linear(hidden, 88)

tensors = dict(lstm.state_dict())
tensors.update({"fc." + k: v for k, v in fc.state_dict().items()})
cadenza_torch.write_safetensors(out, tensors, {"head": "sigmoid",
                                              "step_beats": "0.25"})

def median_us(step):
    times = []
    for i in range(steps + 100):
        t0 = time.perf_counter()
        step(i)
        t1 = time.perf_counter()
        if i >= 100:  # the first steps warm caches and allocators
            times.append((t1 - t0) * 1e6)
    times.sort()
    return times[len(times) // 2], times[len(times) * 99 // 100]


# Two ways to write the step; the faster one is the reference. nn.LSTM is
# what people write; at batch 1 it goes through addmm with transposed
# weights, which Debian's torch runs about twice as slowly as torch.mv on
# the same weights (measured here), so the hand-written step is there too.
with torch.no_grad():
    x = torch.zeros(1, 1, 88)
    state = [None]

    def module_step(i):
        global x
        y, state[0] = lstm(x, state[0])
        x = torch.bernoulli(torch.sigmoid(fc(y)))
        if i % 64 == 63:
            state[0] = None  # as bench_step: keep the state musical

    w = [(getattr(lstm, "weight_ih_l%d" % l).contiguous(),
          getattr(lstm, "weight_hh_l%d" % l).contiguous(),
          getattr(lstm, "bias_ih_l%d" % l) + getattr(lstm, "bias_hh_l%d" % l))
         for l in range(layers)]
    hs = [torch.zeros(hidden) for _ in range(layers)]
    cs = [torch.zeros(hidden) for _ in range(layers)]
    v = torch.zeros(88)

    def mv_step(i):
        global v
        inp = v
        for l, (wi, wh, b) in enumerate(w):
            g = torch.mv(wi, inp) + torch.mv(wh, hs[l]) + b
            gi, gf, gg, go = g.chunk(4)
            cs[l] = torch.sigmoid(gf) * cs[l] + torch.sigmoid(gi) * torch.tanh(gg)
            hs[l] = torch.sigmoid(go) * torch.tanh(cs[l])
            inp = hs[l]
        v = torch.bernoulli(torch.sigmoid(fc(inp)))
        if i % 64 == 63:
            for l in range(layers):
                hs[l].zero_()
                cs[l].zero_()

    a, b = median_us(module_step), median_us(mv_step)
best, how = (a, "nn.LSTM") if a[0] <= b[0] else (b, "torch.mv")
print("%.2f %.2f %s" % (best[0], best[1], how))
