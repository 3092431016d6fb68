#!/usr/bin/python3
"""model/'s layers are enforced by the compiler, and this proves it.

Each layer of model/ (see model/meson.build) is compiled seeing only its
own headers and those below it. For every layer this test takes the exact
compiler command meson uses for one of its sources (compile_commands.json)
and compiles two probes with it: one that includes a header of a layer
below (it must compile) and one that includes a header of a layer it must
not see (it must fail, with "No such file"). So a music header included
from nn/, or the reverse, fails the build.

    layering.py BUILD_DIR"""
import json
import os
import shlex
import subprocess
import sys
import tempfile

build = sys.argv[1]
commands = json.load(open(os.path.join(build, "compile_commands.json")))

# layer: (a source of it, a header it may include, headers it must not see)
LAYERS = {
    "base": ("base/cad_seq.c", "cad_error.h",
             ["cad_midi.h", "cad_layer.h", "cad_score.h"]),
    "io": ("io/cad_midi.c", "cad_file.h",
           ["cad_layer.h", "cad_score.h", "cad_model_train.h"]),
    "nn": ("nn/cad_gen.c", "cad_safetensors.h",
           ["cad_score.h", "cad_roll.h", "cad_layer_train.h", "cad_train.h",
            "cad_compose.h"]),
    # base's sequences are what music and train share without seeing
    # each other
    "train": ("train/cad_train.c", "cad_model.h",
              ["cad_score.h", "cad_repr.h", "cad_roll.h"]),
    "music": ("music/cad_score.c", "cad_midi.h",
              ["cad_layer.h", "cad_model.h", "cad_kernels.h",
               "cad_model_train.h", "cad_train.h", "cad_compose.h"]),
    # compose joins networks and music, and must not need BLAS: the
    # plugin links it
    "compose": ("compose/cad_compose.c", "cad_repr.h",
                ["cad_train.h", "cad_model_train.h", "cad_layer_train.h",
                 "cad_optim.h"]),
}

passed = failed = 0


def check(ok, what):
    global passed, failed
    print(("ok   " if ok else "FAIL ") + what)
    passed, failed = passed + ok, failed + (not ok)


def command_for(source):
    for c in commands:
        if c["file"].replace(os.sep, "/").endswith("model/" + source):
            args = c.get("arguments") or shlex.split(c["command"])
            return c["directory"], args
    return None, None


def compile_probe(directory, args, header, tmp):
    probe = os.path.join(tmp, "probe.c")
    with open(probe, "w") as f:
        f.write('#include "%s"\nint cad_probe_symbol;\n' % header)
    out = []
    skip = False
    for a in args:  # the same flags, our probe instead of the source
        if skip:
            skip = False
            continue
        if a in ("-o", "-MF", "-MQ"):
            skip = True
            continue
        if a == "-c" or a.endswith(".c"):
            continue
        out.append(a)
    out += ["-fsyntax-only", probe]
    r = subprocess.run(out, cwd=directory, capture_output=True, text=True)
    return r.returncode == 0, r.stderr


with tempfile.TemporaryDirectory() as tmp:
    for layer, (source, allowed, forbidden) in LAYERS.items():
        directory, args = command_for(source)
        if not args:
            check(False, "%s: no compile command for model/%s" % (layer, source))
            continue
        ok, err = compile_probe(directory, args, allowed, tmp)
        check(ok, "%s sees %s%s" % (layer, allowed, "" if ok else ": " + err))
        for h in forbidden:
            ok, err = compile_probe(directory, args, h, tmp)
            check(not ok and "No such file" in err,
                  "%s cannot include %s" % (layer, h))

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
