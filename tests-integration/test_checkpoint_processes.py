"""A checkpoint written with tocha.save by one process is read by another, and training resumes identically.

A separate Python process (``sys.executable -c ...``) trains a model with dropout under AdamW + StepLR for a few
steps and saves the model's, the optimizer's and the scheduler's state_dicts and the random generator's state. This
process loads that file into a fresh, differently initialised model and optimizer and carries on: every following
loss is exactly the loss of an uninterrupted run in this process, so nothing needed to resume was lost or altered.
The file holds no pickle (tocha.save never executes code on load): it is a safetensors file plus plain containers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import integration_workers as w

import tocha

HERE = Path(__file__).resolve().parent
FIRST, TOTAL = 5, 12


def _write_in_another_process(path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))}
    code = f"import sys, integration_workers; integration_workers.write_checkpoint(sys.argv[1], {FIRST})"
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, env=env, timeout=300, check=False
    )
    assert done.returncode == 0, f"the writing process failed:\n{done.stdout}\n{done.stderr}"


def _uninterrupted() -> list[float]:
    tocha.manual_seed(0)
    model = w.checkpoint_model()
    opt, sched = w.checkpoint_optimizer(model)
    return w.checkpoint_train(model, opt, sched, range(TOTAL))


def test_training_resumes_identically_from_another_process_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.pt"
    _write_in_another_process(path)
    expected = _uninterrupted()

    checkpoint = tocha.load(path)
    assert sorted(checkpoint) == ["losses", "model", "optimizer", "rng_state", "scheduler", "step"]
    assert checkpoint["step"] == FIRST
    assert checkpoint["losses"] == expected[:FIRST]  # the other process computed the same first steps

    tocha.manual_seed(123)  # a different initialisation and random state, all overwritten by the checkpoint
    model = w.checkpoint_model()
    opt, sched = w.checkpoint_optimizer(model)
    assert not tocha.equal(model.state_dict()["0.weight"], checkpoint["model"]["0.weight"])
    model.load_state_dict(checkpoint["model"])
    opt.load_state_dict(checkpoint["optimizer"])
    sched.load_state_dict(checkpoint["scheduler"])
    tocha.set_rng_state(checkpoint["rng_state"])
    assert opt.param_groups[0]["lr"] == sched.get_last_lr()[0] == 1e-2 * 0.7
    assert all(int(s["step"].item()) == FIRST for s in opt.state_dict()["state"].values())

    resumed = w.checkpoint_train(model, opt, sched, range(FIRST, TOTAL))
    assert resumed == expected[FIRST:]
    assert resumed[-1] < expected[0]


def test_checkpoint_file_holds_no_pickle(tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.pt"
    _write_in_another_process(path)
    data = path.read_bytes()
    header_size = int.from_bytes(data[:8], "little")  # the safetensors layout: a little-endian u64, then JSON
    header = json.loads(data[8 : 8 + header_size])
    assert isinstance(header, dict)
    assert "0.weight" in str(header)
    assert b"\x80\x04\x95" not in data
    assert b"\x80\x05\x95" not in data
