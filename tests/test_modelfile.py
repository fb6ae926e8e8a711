"""Model files: save/load round trip, atomic writes, and every way a file can be wrong."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from nnscalar import MLP
from nnscalar.errors import ConfigError, ModelFileError
from nnscalar.modelfile import FORMAT, VERSION


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "model.json"
    MLP(2, [3, 2], activation="tanh", output_activation="sigmoid", seed=5, fused=False).save(path)
    return path


def test_round_trip_keeps_architecture_and_every_weight(saved: Path) -> None:
    original = MLP(2, [3, 2], activation="tanh", output_activation="sigmoid", seed=5, fused=False)
    for p in original.parameters():  # give biases non-zero values too
        p.data += 0.125
    original.save(saved)
    loaded = MLP.load(saved)
    assert (loaded.n_inputs, loaded.sizes, loaded.fused) == (2, [3, 2], False)
    assert (loaded.activation, loaded.output_activation) == ("tanh", "sigmoid")
    assert [(p.label, p.data) for p in loaded.parameters()] == [
        (p.label, p.data) for p in original.parameters()
    ]
    assert loaded.predict([0.3, -0.7]) == original.predict([0.3, -0.7])


def test_the_file_is_readable_json(saved: Path) -> None:
    document = json.loads(saved.read_text())
    assert (document["format"], document["version"]) == (FORMAT, VERSION)
    assert document["architecture"] == {
        "n_inputs": 2,
        "sizes": [3, 2],
        "activation": "tanh",
        "output_activation": "sigmoid",
    }
    assert document["num_parameters"] == 17
    assert list(document["weights"])[:3] == ["L1.N1.w1", "L1.N1.w2", "L1.N1.b"]


def test_save_replaces_atomically_and_leaves_no_temp_file(saved: Path) -> None:
    MLP(2, [1], seed=1).save(saved)
    assert MLP.load(saved).sizes == [1]
    assert os.listdir(saved.parent) == ["model.json"]


def test_a_failed_save_keeps_the_old_file(saved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = saved.read_text()

    def crash(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(ModelFileError, match=r"cannot write model file .*No space left"):
        MLP(2, [1], seed=1).save(saved)
    assert saved.read_text() == before
    assert os.listdir(saved.parent) == ["model.json"]


def test_save_into_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="cannot write model file"):
        MLP(2, [1]).save(tmp_path / "nowhere" / "m.json")


def test_a_custom_activation_cannot_be_saved(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="custom activation '<lambda>'"):
        MLP(1, [1], output_activation=lambda v: v * v).save(tmp_path / "m.json")

    def square(v):
        return v * v

    with pytest.raises(ConfigError, match=r"custom activation 'square' \(layer L1\)"):
        MLP(1, [1], output_activation=square).save(tmp_path / "m.json")


def edit(*path_and_value: object):
    """A change that sets the field at a path of keys (or deletes it, given DELETE)."""
    *outer, last, value = path_and_value

    def change(doc: dict) -> None:
        target = doc
        for key in outer:
            target = target[key]
        if value is DELETE:
            del target[last]
        else:
            target[last] = value

    return change


DELETE = object()

# How a good document is spoiled, and what the error must say.
DOCUMENT_EDITS = [
    (edit("format", "keras"), "not an nnscalar model \\(format is 'keras'"),
    (edit("version", 2), "format version 2 \\(written by a newer nnscalar\\); this nnscalar reads"),
    (edit("version", 0), "format version 0; this nnscalar reads version 1"),
    (edit("version", "1"), "the version must be an integer, found '1'"),
    (edit("architecture", DELETE), "the field 'architecture' is missing"),
    (edit("architecture", "n_inputs", True), "'n_inputs' must be an integer, found True"),
    (edit("architecture", "n_inputs", 0), "n_inputs must be at least 1"),
    (edit("architecture", "sizes", [3, 0]), "sizes must be a non-empty list of positive ints"),
    (edit("architecture", "sizes", "3,2"), "'sizes' must be a list"),
    (edit("architecture", "activation", "relux"), "unknown activation 'relux'; valid: linear"),
    (edit("fused", "yes"), "'fused' must be true or false"),
    (edit("weights", []), "'weights' must be a JSON object"),
    (edit("weights", "L1.N1.w1", "0.5"), "weight L1.N1.w1 is '0.5', not a finite number"),
    (edit("weights", "L1.N1.w1", 10**400), "weight L1.N1.w1 is 1000"),
    (edit("num_parameters", 18), "num_parameters is 18 but the architecture \\[2, 3, 2\\] has 17"),
    (edit("architecture", "sizes", [4, 2]), "num_parameters is 17 but the architecture"),
]


@pytest.mark.parametrize(("change", "message"), DOCUMENT_EDITS)
def test_a_spoiled_document_is_refused(saved: Path, change, message: str) -> None:
    document = json.loads(saved.read_text())
    change(document)
    saved.write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match=message) as error:
        MLP.load(saved)
    assert str(saved) in str(error.value)


def test_weights_that_do_not_match_the_architecture(saved: Path) -> None:
    document = json.loads(saved.read_text())
    document["weights"]["L2.N3.b"] = document["weights"].pop("L2.N2.b")
    saved.write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match=r"is missing weights for L2.N2.b: the weights do not"):
        MLP.load(saved)
    document["weights"]["L2.N2.b"] = 0.0
    saved.write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match=r"has unexpected weights L2.N3.b"):
        MLP.load(saved)


# How the text of a good file is spoiled, and what the error must say.
TEXT_EDITS = [
    (lambda text: "", "is empty"),
    (lambda text: text[: len(text) // 2], "is not valid JSON \\(truncated or edited by hand\\?\\)"),
    (lambda text: "[1, 2]", "expected a JSON object, found list"),
    (lambda text: text.replace('"L1.N1.b": 0.0', '"L1.N1.b": NaN'), "NaN is not a finite"),
    (lambda text: text.replace('"L1.N1.b": 0.0', '"L1.N1.b": 1e999'), "weight L1.N1.b is inf"),
    (
        lambda text: text.replace('"fused": false', '"fused": false, "fused": true'),
        "the key 'fused' appears twice",
    ),
]


@pytest.mark.parametrize(("change", "message"), TEXT_EDITS)
def test_a_spoiled_text_is_refused(saved: Path, change, message: str) -> None:
    saved.write_text(change(saved.read_text()))
    with pytest.raises(ModelFileError, match=message) as error:
        MLP.load(saved)
    assert str(saved) in str(error.value)


def test_binary_and_missing_files(tmp_path: Path) -> None:
    binary = tmp_path / "model.pt"
    binary.write_bytes(b"\x80\x04\x95\xff\xfe")
    with pytest.raises(ModelFileError, match=r"model.pt' is not a text \(JSON\) file"):
        MLP.load(binary)
    with pytest.raises(ModelFileError, match=r"cannot read model file .*absent.json"):
        MLP.load(tmp_path / "absent.json")


def test_a_file_claiming_a_billion_neurons_is_refused_before_building(tmp_path: Path) -> None:
    document = {
        "format": "nnscalar-mlp",
        "version": 1,
        "architecture": {
            "n_inputs": 2,
            "sizes": [10**9, 1],
            "activation": "tanh",
            "output_activation": "linear",
        },
        "fused": False,
        "num_parameters": 3 * 10**9 + 10**9 + 1,
        "weights": {"L1.N1.w1": 0.5},
    }
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match=r"has 4000000001 weights but the file holds 1$"):
        MLP.load(path)


def test_a_deeply_nested_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ModelFileError, match="nested too deeply"):
        MLP.load(path)
