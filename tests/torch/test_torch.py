#!/usr/bin/python3
"""PyTorch on the other side of the file (python/cadenza_torch.py), against
the C engine, in both directions:

1. PyTorch writes small random models of every head (layers of different
   sizes), with a test sequence and the NLL of each of its frames;
   test_torch_parity loads them with Cadenza and must compute the same
   NLL for every frame, to 1e-5 nats, batched and step by step.
2. PyTorch reads the shipped JSB model that Cadenza trained and computes
   the benchmark metric on the valid split: it must equal `cadenza eval`
   to four decimals. Then PyTorch writes that model back out, and
   `cadenza eval` on the copy must give the same number.
3. python/train.py trains a small model on a few chorales; `cadenza eval`
   gives the validation NLL it reported and `cadenza generate` plays it.

    test_torch.py CADENZA TEST_TORCH_PARITY
Run with the source root as the working directory, ../shared/data beside
it (CAD_DATA_DIR overrides). Prints 'N passed, N failed'."""
import json
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch  # noqa: E402

sys.path.insert(0, "python")
import cadenza_torch as ct  # noqa: E402

cadenza, parity = sys.argv[1], sys.argv[2]
data_dir = os.environ.get("CAD_DATA_DIR", os.path.join("..", "shared", "data"))
torch.set_num_threads(1)
passed = failed = 0


def check(ok, what):
    global passed, failed
    print(("ok   " if ok else "FAIL ") + what)
    if ok:
        passed += 1
    else:
        failed += 1


def cadenza_eval(model, data):
    out = subprocess.run([cadenza, "eval", "-m", model, data, "--split",
                          "valid"], capture_output=True, text=True)
    if out.returncode != 0:
        print(out.stderr)
        return None
    return float(out.stdout.strip().splitlines()[-1])


with tempfile.TemporaryDirectory() as tmp:
    # 1. Random models of each head, written by PyTorch.
    torch.manual_seed(7)
    fixtures = []
    for head, hidden, n, cell, opts in (
            ("sigmoid", [13, 7], 12, "lstm", {}),
            ("nade", [9, 11], 12, "lstm", {}),
            ("softmax", [10], 12, "lstm", {}),
            ("nade", [32, 32, 24], 88, "lstm", {}),
            ("nade", [9, 11], 12, "gru", {}),
            ("sigmoid", [13, 7], 12, "rnn", {}),
            # token models: an embedding; bidirectional layers over a window
            ("softmax", [10, 8], 12, "lstm", {"embed": 5}),
            ("softmax", [10, 8], 12, "lstm",
             {"embed": 5, "bidirectional": True, "window": 6}),
            ("softmax", [9], 12, "lstm", {"window": 4}),
            ("sigmoid", [7, 6], 12, "gru", {"bidirectional": True, "window": 5}),
            ("nade", [8], 12, "rnn", {"bidirectional": True, "window": 7}),
            # the last outputs given (a piano roll's metre bits): no NLL
            ("nade", [9], 12, "lstm", {"given": 3}),
            ("sigmoid", [9], 12, "lstm", {"given": 3})):
        net = ct.CadenzaNet(n, hidden, head, nade_hidden=17, cell=cell, **opts)
        with torch.no_grad():  # larger weights than the default, so the
            for p in net.parameters():  # probabilities spread out
                p.mul_(2.5)
        T = 24
        if head == "softmax":  # one category per frame
            frames = torch.nn.functional.one_hot(torch.randint(n, (T,)), n)
            frames = frames.float()
        else:
            frames = (torch.rand(T, n) < 0.3).float()
        net.eval()
        with torch.no_grad():
            nll = net(frames.unsqueeze(1))[:, 0]
        path = os.path.join(tmp, "%s%s-%s-%d.safetensors"
                            % ("bi" if opts.get("bidirectional") else "",
                               cell, head, len(fixtures)))
        tensors = dict(net.cadenza_tensors())
        tensors["test.frames"], tensors["test.nll"] = frames, nll
        meta = net.metadata()
        meta.update({"representation": "pianoroll", "step_beats": "1"})
        ct.write_safetensors(path, tensors, meta)
        fixtures.append(path)
    # single layers of the other kinds, from a non-zero start state
    for cell, cls in (("gru", torch.nn.GRU), ("rnn", torch.nn.RNN)):
        layer = cls(7, 9)
        with torch.no_grad():
            for p in layer.parameters():
                p.mul_(2.0)
            x, h0 = torch.randn(6, 3, 7), torch.randn(1, 3, 9) * 0.5
            y, _ = layer(x, h0)
        tensors = dict(layer.state_dict())
        tensors.update({"test.x": x, "test.h0": h0[0], "test.y": y})
        path = os.path.join(tmp, "layer-%s.safetensors" % cell)
        ct.write_safetensors(path, tensors, {"test.layer": cell})
        fixtures.append(path)
    r = subprocess.run([parity] + fixtures, capture_output=True, text=True)
    print(r.stdout + r.stderr, end="")
    check(r.returncode == 0, "Cadenza computes PyTorch's NLL for every frame "
          "of %d PyTorch-written models" % len(fixtures))

    # 2. The shipped model, read and written by PyTorch.
    jsb = os.path.join(data_dir, "pianoroll", "jsb-chorales.json")
    if not os.path.exists(jsb):
        check(False, "%s not found (set CAD_DATA_DIR)" % jsb)
    else:
        valid = json.load(open(jsb))["valid"]
        net, meta = ct.load("presets/default.safetensors")
        theirs = ct.mean_nll(net, valid)
        ours = cadenza_eval("presets/default.safetensors", jsb)
        check(ours is not None and round(theirs, 4) == ours,
              "JSB valid NLL: PyTorch %.6f, cadenza eval %s" % (theirs, ours))
        copy = os.path.join(tmp, "copy.safetensors")
        ct.save(net, copy, {k: v for k, v in meta.items()
                            if not k.startswith("train.")})
        again = cadenza_eval(copy, jsb)
        check(again == ours, "the model as PyTorch wrote it back: cadenza "
              "eval %s (the original: %s)" % (again, ours))

        # 3. Trained by PyTorch, played by Cadenza.
        small = os.path.join(tmp, "small.json")
        full = json.load(open(jsb))
        json.dump({"train": full["train"][:8], "valid": full["valid"][:4]},
                  open(small, "w"))
        model = os.path.join(tmp, "torch-trained.safetensors")
        r = subprocess.run(["/usr/bin/python3", "python/train.py", small, "-o",
                            model, "--hidden", "24", "--nade-hidden", "16",
                            "--epochs", "2"], capture_output=True, text=True)
        print(r.stdout + r.stderr, end="")
        said = [ln for ln in r.stdout.splitlines() if ln.startswith("best")]
        reported = float(said[0].split()[3].rstrip(",")) if said else None
        check(r.returncode == 0 and reported is not None,
              "python/train.py trains and saves")
        got = cadenza_eval(model, small)
        check(got is not None and got == reported,
              "cadenza eval of the PyTorch-trained model: %s, train.py said %s"
              % (got, reported))
        mid = os.path.join(tmp, "out.mid")
        g = subprocess.run([cadenza, "generate", "-m", model, "-o", mid,
                            "--bars", "4"], capture_output=True, text=True)
        check(g.returncode == 0 and os.path.getsize(mid) > 30,
              "cadenza generate plays it: %s" % (g.stderr.strip() or "ok"))

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
