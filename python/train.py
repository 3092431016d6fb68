#!/usr/bin/python3
"""Trains a Cadenza piano-roll model with PyTorch, for corpora that outgrow
two CPU cores: on a GPU with --device cuda, or on many (wrap CadenzaNet in
DistributedDataParallel the usual way; this script is the single-process
version). The options and their defaults are those of `cadenza train`, and
the file it writes plays in `cadenza generate` and the plugin as it is.

    python/train.py DATA.json -o MODEL.safetensors [--cell lstm --layers 2 --hidden 256
        --head nade --nade-hidden 150 --dropout 0.5 --dropout-in 0.2
        --batch 2 --lr 1e-3 --epochs 250 --patience 25 --seed 1
        --step-beats 1 --device cpu]

DATA.json is a benchmark file of ../shared/data/pianoroll ({"train": [...],
"valid": [...]}, each piece a list of frames of MIDI pitches). Whole pieces
are batched (padded, the padding masked out of the loss), the loss is the
mean NLL per frame, the model kept is the one with the best validation NLL,
which it prints per epoch as `cadenza train` does."""
import argparse
import json
import os
import random
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cadenza_torch as ct  # noqa: E402


def batches(pieces, size, rng):
    order = list(range(len(pieces)))
    rng.shuffle(order)
    for i in range(0, len(order), size):
        yield [pieces[j] for j in order[i:i + size]]


def padded(rolls, device):
    """[T, B, n] frames and [T, B] mask from rolls of different lengths."""
    T, B = max(r.shape[0] for r in rolls), len(rolls)
    x = torch.zeros(T, B, rolls[0].shape[1])
    mask = torch.zeros(T, B)
    for b, r in enumerate(rolls):
        x[:r.shape[0], b] = r
        mask[:r.shape[0], b] = 1
    return x.to(device), mask.to(device)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--cell", default="lstm", choices=["lstm", "gru", "rnn"])
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--head", default="nade", choices=["sigmoid", "nade"])
    ap.add_argument("--nade-hidden", type=int, default=150)
    ap.add_argument("--dropout", type=float, default=0.5)
    ap.add_argument("--dropout-in", type=float, default=0.2)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--epochs", type=int, default=250)
    ap.add_argument("--patience", type=int, default=25)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--step-beats", default="1",
                    help="what a frame is, in beats (JSB: 1, Nottingham: 0.5)")
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    if os.path.abspath(a.output) == os.path.abspath(a.data):
        ap.error("the output %s is the training data" % a.output)

    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    data = json.load(open(a.data))
    train = [ct.pianoroll(p) for p in data["train"]]
    valid = data["valid"]
    net = ct.CadenzaNet(88, [a.hidden] * a.layers, a.head,
                        nade_hidden=a.nade_hidden, dropout=a.dropout,
                        dropout_in=a.dropout_in, cell=a.cell).to(a.device)
    opt = torch.optim.Adam(net.parameters(), lr=a.lr)
    meta = {"step_beats": a.step_beats,
            "train.command": "python/train.py " + " ".join(
                [os.path.basename(a.data)] + sys.argv[2:])}
    best, since = float("inf"), 0
    for epoch in range(1, a.epochs + 1):
        t0, total, frames = time.time(), 0.0, 0
        net.train()
        for group in batches(train, a.batch, rng):
            x, mask = padded(group, a.device)
            nll = net(x, mask).sum()
            opt.zero_grad()
            (nll / mask.sum()).backward()
            opt.step()
            total += nll.item()
            frames += int(mask.sum().item())
        v = ct.mean_nll(net.cpu(), valid)
        net.to(a.device)
        print("epoch %d: train NLL %.4f, valid NLL %.4f (%.0f s)"
              % (epoch, total / frames, v, time.time() - t0), flush=True)
        if v < best:
            best, since = v, 0
            meta.update({"train.epochs": str(epoch),
                         "train.valid_nll": "%.4f" % v})
            ct.save(net.cpu(), a.output, meta)
            net.to(a.device)
        else:
            since += 1
            if a.patience and since >= a.patience:
                break
    print("best valid NLL %.4f, saved in %s" % (best, a.output))


if __name__ == "__main__":
    main()
