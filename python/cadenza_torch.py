"""Cadenza's networks in PyTorch, reading and writing Cadenza's model files.

Cadenza trains on two CPU cores. A corpus that outgrows them can be
trained here instead, on GPUs or a cluster (wrap the module in
torch.nn.parallel.DistributedDataParallel as for any other), and the file
that save() writes plays in the plugin and in `cadenza generate`, because
both sides agree on three things:

- the tensor names: PyTorch's own (nn.LSTM's weight_ih_l0 .. bias_hh_lN,
  gate order i, f, g, o; nn.Linear's fc.weight and fc.bias; the NADE head's
  nade.W, nade.V, nade.bv, nade.bh, nade.Wuv, nade.Wuh);
- the numerics: the same equations in the same precision (f32), so the two
  sides give the same probabilities to about 1e-6 (tests/torch/ checks it
  against the C engine on every test run);
- the metadata strings of the file's __metadata__: head, loss, dropout,
  hidden sizes and what a frame means (representation, step_beats,
  low_key), which the C loader reads to rebuild the model.

The model is a stack of recurrent layers (LSTM, GRU or tanh RNN, each
layer its own size; Cadenza's C engine reads the LSTM today, and its GRU
and RNN layer kinds are checked against PyTorch's) and one output
head over the frame at time t given the frames before it:
  sigmoid: independent Bernoulli per key;
  softmax: one category out of n_out;
  nade:    the keys of a frame one after another, lowest first, each
           conditioned on the keys already decided (Boulanger-Lewandowski
           et al. 2012), so the head learns chords.
The input at step t is the frame at t - 1, silence at t = 0.

Options for token sequences (a step is a one-hot vector of n_in tokens):
  embed=E          an nn.Embedding(n_in, E) below the layers ("embed.weight"
                   [n_in, E]); applied as the product x @ weight, which is
                   the lookup for a one-hot x and zero for the silence
                   before the first step, as in Cadenza;
  bidirectional    every layer reads both ways (PyTorch's own
                   bidirectional=True, names weight_ih_l0_reverse, ...),
                   output 2H wide; needs a window:
  window=W         every step is predicted from the W steps before it
                   alone (silence before the piece), from a zero state:
                   the note+duration token system's sliding window.

Only Python's standard library and torch: no other package is needed to
read or write the files (8-byte little-endian header length, a JSON
header, then the tensors' bytes)."""
import json
import math
import os
import struct

import torch
from torch import nn
import torch.nn.functional as F


class CadenzaNet(nn.Module):
    CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}

    def __init__(self, n_in=88, hidden=(256, 256), head="nade", n_out=None,
                 nade_hidden=150, loss=None, dropout=0.0, dropout_in=0.0,
                 cell="lstm", embed=0, bidirectional=False, window=0,
                 given=0):
        super().__init__()
        if head not in ("sigmoid", "softmax", "nade"):
            raise ValueError("head must be sigmoid, softmax or nade: %r" % head)
        if cell not in self.CELLS:
            raise ValueError("cell must be lstm, gru or rnn: %r" % cell)
        if bidirectional and not window:
            raise ValueError("a bidirectional model needs a window")
        self.cell = cell
        self.embed_dim, self.bidirectional = embed, bool(bidirectional)
        self.window = window
        # the last `given` outputs (a piano roll's metre bits) are set by
        # whoever generates, not predicted: no loss
        self.given = given
        self.n_in, self.n_out = n_in, n_out or n_in
        self.hidden, self.head = list(hidden), head
        self.loss = loss or ("ce" if head == "softmax" else "bce")
        self.dropout, self.dropout_in = dropout, dropout_in
        # One module per layer, so each layer can have its own size; their
        # parameters are renamed to one multi-layer module's in the file.
        ways = 2 if self.bidirectional else 1
        sizes = [embed or n_in] + [ways * h for h in self.hidden]
        self.lstm = nn.ModuleList(
            self.CELLS[cell](sizes[i], self.hidden[i],
                             bidirectional=self.bidirectional)
            for i in range(len(self.hidden)))
        if embed:
            self.embed = nn.Embedding(n_in, embed)
        top = sizes[-1]
        if head == "nade":
            V, H = self.n_out, nade_hidden
            self.nade = nn.ParameterDict({
                "W": nn.Parameter(torch.empty(V, H)),
                "V": nn.Parameter(torch.empty(V, H)),
                "bv": nn.Parameter(torch.zeros(V)),
                "bh": nn.Parameter(torch.zeros(H)),
                "Wuv": nn.Parameter(torch.empty(V, top)),
                "Wuh": nn.Parameter(torch.empty(H, top)),
            })
            for k in ("W", "V", "Wuv", "Wuh"):
                bound = 1.0 / math.sqrt(self.nade[k].shape[1])
                nn.init.uniform_(self.nade[k], -bound, bound)
        else:
            self.fc = nn.Linear(top, self.n_out)

    def states(self, x):
        """x: [T, B, n_in] network inputs -> u: [T, B, top] head inputs."""
        h = F.dropout(x, self.dropout_in, self.training)
        if self.embed_dim:
            h = F.dropout(h @ self.embed.weight, self.dropout, self.training)
        for i, layer in enumerate(self.lstm):
            h, _ = layer(h)
            h = F.dropout(h, self.dropout, self.training)
        return h

    def frame_nll(self, u, y):
        """-log p(y | u) per row, in nats: u [N, top], y [N, n_out] -> [N]."""
        P = self.n_out - self.given  # the outputs with a loss come first
        if self.head == "sigmoid":
            z = self.fc(u)
            return F.binary_cross_entropy_with_logits(
                z, y, reduction="none")[:, :P].sum(1)
        if self.head == "softmax":
            return -(F.log_softmax(self.fc(u), 1) * y).sum(1)
        n = self.nade
        bv = n["bv"] + u @ n["Wuv"].t()                     # [N, V]
        bh = n["bh"] + u @ n["Wuh"].t()                     # [N, H]
        # a_i = bh + sum_{k<i} y_k W[k]: an exclusive running sum over keys
        contrib = y.unsqueeze(2) * n["W"].unsqueeze(0)      # [N, V, H]
        a = bh.unsqueeze(1) + torch.cumsum(contrib, 1) - contrib
        z = bv + (torch.sigmoid(a) * n["V"].unsqueeze(0)).sum(2)
        return (F.softplus(z) - y * z)[:, :P].sum(1)

    def forward(self, frames, mask=None):
        """frames: [T, B, n] targets (0/1); returns the NLL per frame [T, B]
        (0 where mask is 0), each frame predicted from those before it."""
        x = torch.cat([torch.zeros_like(frames[:1]), frames[:-1]], 0)
        T, B = frames.shape[:2]
        if self.window:
            # the W inputs before each step, as a batch of T * B windows
            W = self.window
            pad = torch.cat([torch.zeros_like(x[:1]).expand(W - 1, -1, -1),
                             x], 0)
            xw = torch.stack([pad[k:k + T] for k in range(W)], 0)
            u = self.states(xw.reshape(W, T * B, -1))[-1]
        else:
            u = self.states(x)
        nll = self.frame_nll(u.reshape(T * B, -1),
                             frames.reshape(T * B, -1)).reshape(T, B)
        return nll if mask is None else nll * mask

    # ---- files ------------------------------------------------------------

    def cadenza_tensors(self):
        """The parameters under the names Cadenza's files use."""
        out = {}
        for i, layer in enumerate(self.lstm):
            # weight_ih_l0, ..., weight_ih_l0_reverse, ...
            for name, t in layer.named_parameters():
                out[name.replace("_l0", "_l%d" % i)] = t
        if self.embed_dim:
            out["embed.weight"] = self.embed.weight
        if self.head == "nade":
            for k, t in self.nade.items():
                out["nade." + k] = t
        else:
            out["fc.weight"], out["fc.bias"] = self.fc.weight, self.fc.bias
        return out

    def metadata(self):
        meta = {"format": "cadenza-1", "cell": self.cell, "head": self.head,
                "loss": self.loss,
                "hidden": ",".join(str(h) for h in self.hidden),
                "dropout": repr(float(self.dropout)),
                "dropout_in": repr(float(self.dropout_in))}
        if self.embed_dim:
            meta["embed"] = str(self.embed_dim)
        if self.bidirectional:
            meta["bidirectional"] = "1"
        if self.window:
            meta["window"] = str(self.window)
        if self.given:
            meta["given"] = str(self.given)
        return meta


def read_safetensors(path):
    """(tensors, metadata) from a safetensors file of F32 tensors."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        if n > 100 << 20:
            raise ValueError("%s: header of %d bytes is too large" % (path, n))
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, h in header.items():
        if h["dtype"] != "F32":
            raise ValueError("%s: %s is %s, not F32" % (path, name, h["dtype"]))
        a, b = h["data_offsets"]
        t = torch.frombuffer(bytearray(data[a:b]), dtype=torch.float32)
        tensors[name] = t.reshape(h["shape"]).clone()
    return tensors, meta


def write_safetensors(path, tensors, metadata):
    """Little-endian F32 tensors in name order, written to a temporary file
    and renamed over path, so a reader never sees half a file."""
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to("cpu", torch.float32).contiguous()
        data = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    tmp = "%s.tmp-%d" % (path, os.getpid())
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load(path):
    """A CadenzaNet from a Cadenza model file (or any file with the same
    tensor names), and the file's metadata."""
    tensors, meta = read_safetensors(path)
    if meta.get("representation", "pianoroll") != "pianoroll":
        raise ValueError("%s: representation %r is not supported here"
                         % (path, meta["representation"]))
    hidden, n_in = [], tensors["weight_ih_l0"].shape[1]
    embed = 0
    if "embed.weight" in tensors:
        n_in, embed = tensors["embed.weight"].shape
    while "weight_hh_l%d" % len(hidden) in tensors:
        hidden.append(tensors["weight_hh_l%d" % len(hidden)].shape[1])
    head = meta.get("head", "nade" if "nade.W" in tensors else "sigmoid")
    if head == "nade":
        n_out, nade_hidden = tensors["nade.W"].shape
    else:
        n_out, nade_hidden = tensors["fc.weight"].shape[0], 0
    net = CadenzaNet(n_in, hidden, head, n_out, nade_hidden or 1,
                     meta.get("loss"), float(meta.get("dropout", 0)),
                     float(meta.get("dropout_in", 0)),
                     meta.get("cell", "lstm"), embed,
                     "weight_ih_l0_reverse" in tensors,
                     int(meta.get("window", 0)), int(meta.get("given", 0)))
    own = net.cadenza_tensors()
    missing = sorted(set(own) - set(tensors))
    if missing:
        raise ValueError("%s: no tensor %s" % (path, ", ".join(missing)))
    with torch.no_grad():
        for name, p in own.items():
            if tuple(p.shape) != tuple(tensors[name].shape):
                raise ValueError("%s: %s has shape %s, expected %s" % (
                    path, name, list(tensors[name].shape), list(p.shape)))
            p.copy_(tensors[name])
    return net, meta


def save(net, path, metadata=None):
    """Writes net as a Cadenza model file. metadata adds to (or overrides)
    what the network says of itself; for a piano roll pass what a frame
    means, e.g. {"representation": "pianoroll", "step_beats": "1",
    "low_key": "21"}."""
    meta = {"representation": "pianoroll", "step_beats": "1",
            "step_seconds": "0", "low_key": "21"}
    meta.update(net.metadata())
    meta.update(metadata or {})
    write_safetensors(path, net.cadenza_tensors(), meta)


def pianoroll(piece, n_keys=88, low_key=21):
    """A piece of the benchmark JSON (a list of frames, each a list of MIDI
    pitches) as a [T, n_keys] tensor of 0/1."""
    roll = torch.zeros(len(piece), n_keys)
    for t, frame in enumerate(piece):
        for p in frame:
            if low_key <= p < low_key + n_keys:
                roll[t, p - low_key] = 1.0
    return roll


def mean_nll(net, pieces):
    """The benchmark metric: NLL per frame over all frames of all pieces
    (long pieces weigh more), in nats, as `cadenza eval` reports it."""
    net.eval()
    total, frames = 0.0, 0
    with torch.no_grad():
        for piece in pieces:
            roll = pianoroll(piece, net.n_in).unsqueeze(1)
            total += net(roll).sum().item()
            frames += roll.shape[0]
    return total / max(frames, 1)
