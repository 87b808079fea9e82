"""tocha.Stream and tocha.Event: the device-generic stream and event, on the CPU and (gpu-marked) on CUDA."""

from __future__ import annotations

import pytest

import tocha


def test_cpu_stream_and_event() -> None:
    stream = tocha.Stream("cpu")
    assert repr(stream) == "tocha.Stream device_type=cpu, device_index=-1, stream_id=0"
    assert (stream.device, stream.device_type, stream.device_index, stream.stream_id) == (
        tocha.device("cpu"),
        "cpu",
        -1,
        0,
    )
    assert stream.query()
    stream.synchronize()
    with stream:
        assert tocha.ones(2).sum().item() == 2.0
    assert stream == tocha.Stream("cpu")
    assert hash(stream) == hash(tocha.Stream("cpu"))
    event = tocha.Event("cpu", enable_timing=True)
    assert repr(event) == "tocha.Event device_type=cpu, device_index=-1, event_flag=0, event_id=0"
    assert event.query()
    for call in (event.record, event.wait, lambda: stream.record_event(), lambda: event.elapsed_time(event)):
        with pytest.raises(RuntimeError, match=r"cpu backend doesn't support events\."):
            call()
    with pytest.raises(RuntimeError, match="no streams or events for device type 'meta'"):
        tocha.Stream("meta")


def test_reprs_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    assert repr(tocha.Stream("cpu")).replace("tocha", "torch") == repr(torch.Stream("cpu"))
    assert repr(tocha.Event("cpu")).replace("tocha", "torch") == repr(torch.Event("cpu"))


@pytest.mark.gpu
def test_cuda_stream_and_event() -> None:
    stream = tocha.Stream()  # the current accelerator's
    assert stream.device == tocha.device("cuda", 0)
    assert stream.stream_id != 0
    start, end = tocha.Event(enable_timing=True), tocha.Event("cuda", enable_timing=True)
    with stream:
        start.record()
        y = tocha.ones(1000, device="cuda") * 2
        end.record()
    end.synchronize()
    assert start.elapsed_time(end) >= 0
    assert stream.query()
    assert stream.record_event().query() in (True, False)
    tocha.Stream("cuda").wait_stream(stream)
    tocha.Stream("cuda").wait_event(end)
    assert y.sum().item() == 2000.0
