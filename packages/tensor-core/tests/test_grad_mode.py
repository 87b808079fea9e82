"""Grad-mode switches: context managers, decorators, nesting and threads."""

from __future__ import annotations

import threading

import tocha


def test_no_grad_nests_and_restores() -> None:
    assert tocha.is_grad_enabled()
    with tocha.no_grad():
        assert not tocha.is_grad_enabled()
        with tocha.enable_grad():
            assert tocha.is_grad_enabled()
        assert not tocha.is_grad_enabled()
    assert tocha.is_grad_enabled()


def test_no_grad_restores_after_exception() -> None:
    try:
        with tocha.no_grad():
            raise ValueError("boom")
    except ValueError:
        pass
    assert tocha.is_grad_enabled()


def test_decorators() -> None:
    @tocha.no_grad()
    def inside() -> bool:
        return tocha.is_grad_enabled()

    @tocha.set_grad_enabled(False)
    def inside_set() -> bool:
        return tocha.is_grad_enabled()

    assert inside() is False
    assert inside_set() is False
    assert tocha.is_grad_enabled()


def test_set_grad_enabled_as_function_and_context() -> None:
    tocha.set_grad_enabled(False)
    try:
        assert not tocha.is_grad_enabled()
    finally:
        tocha.set_grad_enabled(True)
    with tocha.set_grad_enabled(False):
        assert not tocha.is_grad_enabled()
    assert tocha.is_grad_enabled()


def test_inference_mode() -> None:
    assert not tocha.is_inference_mode_enabled()
    with tocha.inference_mode():
        assert tocha.is_inference_mode_enabled()
        assert not tocha.is_grad_enabled()
    with tocha.inference_mode(False):
        assert tocha.is_grad_enabled()
    assert not tocha.is_inference_mode_enabled()


def test_grad_mode_is_per_thread() -> None:
    seen: list[bool] = []
    with tocha.no_grad():
        worker = threading.Thread(target=lambda: seen.append(tocha.is_grad_enabled()))
        worker.start()
        worker.join()
    assert seen == [True]


def test_views_of_inference_tensors_are_inference_tensors() -> None:
    with tocha.inference_mode():
        made_inside = tocha.ones(3)
    normal = tocha.ones(3)
    with tocha.inference_mode():
        view_of_normal = normal[0]
    assert made_inside.is_inference()
    assert made_inside[0].is_inference()  # outside the mode too, as PyTorch
    assert made_inside.view(3)[1:].is_inference()
    assert not (made_inside + 1).is_inference()
    assert not view_of_normal.is_inference()
