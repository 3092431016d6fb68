#!/usr/bin/python3
"""PyTorch's side of the training benchmark (bench/run).

    torch_train.py DATA.json EPOCHS THREADS

Trains what `cadenza train DATA.json --layers 2 --hidden 256 --head sigmoid
--batch 2 --epochs EPOCHS` trains: nn.LSTM(88, 256, 2) with dropout 0.5
between the layers and before the head, 0.2 on the input, a linear +
sigmoid head with binary cross-entropy, Adam 1e-3, gradient norm clipped
at 5, batches of 2 whole pieces (padded, padding masked out), a fresh
random order every epoch. Prints one line:
    frames_per_second valid_nll_per_frame seconds
where the NLL is the benchmark metric (nats per 88-key frame, averaged
over all validation frames) after the last epoch. Set OMP_WAIT_POLICY=
PASSIVE and OPENBLAS_NUM_THREADS=THREADS in the environment (bench/run
does): Debian's torch otherwise runs two thread pools against each other.
"""
import json
import sys
import time

import torch

path, epochs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(1)
data = json.load(open(path))


def roll(piece):
    x = torch.zeros(len(piece), 88)
    for t, frame in enumerate(piece):
        for p in frame:
            x[t, p - 21] = 1
    return x


train = [roll(p) for p in data["train"]]
valid = [roll(p) for p in data["valid"]]


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.drop_in = torch.nn.Dropout(0.2)
        self.lstm = torch.nn.LSTM(88, 256, num_layers=2, dropout=0.5)
        self.drop = torch.nn.Dropout(0.5)
        self.fc = torch.nn.Linear(256, 88)

    def forward(self, x):
        h, _ = self.lstm(self.drop_in(x))
        return self.fc(self.drop(h))


def batch(pieces):
    """[T, B, 88] inputs (the previous frame, silence first), targets, mask."""
    T = max(len(p) for p in pieces)
    x = torch.zeros(T, len(pieces), 88)
    y = torch.zeros(T, len(pieces), 88)
    mask = torch.zeros(T, len(pieces))
    for b, p in enumerate(pieces):
        y[:len(p), b] = p
        x[1:len(p), b] = p[:-1]
        mask[:len(p), b] = 1
    return x, y, mask


net = Net()
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
bce = torch.nn.BCEWithLogitsLoss(reduction="none")
frames = sum(len(p) for p in train)
t0 = time.perf_counter()
for epoch in range(epochs):
    net.train()
    order = torch.randperm(len(train)).tolist()
    for i in range(0, len(order), 2):
        x, y, mask = batch([train[j] for j in order[i:i + 2]])
        loss = (bce(net(x), y).sum(-1) * mask).sum() / mask.sum()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
seconds = time.perf_counter() - t0

net.eval()
total, count = 0.0, 0
with torch.no_grad():
    for p in valid:
        x, y, mask = batch([p])
        total += bce(net(x), y).sum().item()
        count += len(p)
print("%.1f %.4f %.1f" % (frames * epochs / seconds, total / count, seconds))
