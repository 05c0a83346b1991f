"""The collector pause is scoped: on again after the block, an error or a nested pause, and
left off where the caller had switched it off."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from ztix.errors import ValidationFailed
from ztix.load.gcpause import paused_gc
from ztix.load.loader import load_files


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    was_on = gc.isenabled()
    yield
    if was_on:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_off_inside_and_on_after() -> None:
    gc.enable()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block found it off and leaves it off
    assert gc.isenabled()


def test_an_error_inside_switches_it_back_on() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_caller_that_switched_it_off_keeps_it_off() -> None:
    gc.disable()
    with paused_gc():
        pass
    assert not gc.isenabled()


def test_loading_leaves_the_collector_on() -> None:
    gc.enable()
    with pytest.raises(ValidationFailed):  # no ix.yaml
        load_files({})
    assert gc.isenabled()
