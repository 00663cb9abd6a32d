"""yingshe serve: the app answers predictions, describes the run, refuses each kind of bad input
with a 4xx and keeps serving; yingshe export writes ONNX and safetensors."""
import io

import numpy as np
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient
from PIL import Image

from serve_run import lenet_run
from yingshe import cli
from yingshe.serve import MAX_BATCH, create_app
from yingshe.training.recipes import classification as recipe
from yingshe.vision.datasets import MNIST


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return lenet_run(tmp_path_factory)


@pytest.fixture(scope="module")
def client(run):
    return TestClient(create_app(run, max_body_bytes=200_000))


@pytest.fixture(scope="module")
def digits():
    from yingshe.datasets import default_root
    test = MNIST(str(default_root()), train=False)
    images = np.stack([np.asarray(test[i][0], np.float32) / 255.0 for i in range(8)])
    labels = [int(test[i][1]) for i in range(8)]
    return images, labels


def _png(array):
    buffer = io.BytesIO()
    Image.fromarray((255 * array).astype(np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def test_health_model_and_docs(client):
    assert client.get("/health").json() == {"status": "ok"}
    info = client.get("/model").json()
    assert info["model"] == "lenet5" and info["dataset"] == "mnist"
    assert info["classes"][:2] == ["0 - zero", "1 - one"] and info["input_shape"] == [1, 28, 28]
    assert 0.5 < info["metrics"]["test_accuracy"] <= 1.0
    schema = client.get("/openapi.json").json()
    assert "/predict" in schema["paths"]
    assert client.get("/docs").status_code == 200
    assert "<canvas" in client.get("/").text


def test_json_batch_matches_the_model(client, run, digits):
    images, labels = digits
    answer = client.post("/predict", json={"inputs": images.tolist(), "top": 2})
    assert answer.status_code == 200
    predictions = answer.json()["predictions"]
    assert len(predictions) == 8 and all(len(p) == 2 for p in predictions)
    model, config = recipe.load_model(run)
    info = config["data_info"]
    from yingshe import from_numpy, no_grad
    with no_grad():
        logits = model(from_numpy(((images[:, None] - info["mean"]) / info["std"])
                                  .astype(np.float32))).numpy()
    assert [p[0]["index"] for p in predictions] == list(logits.argmax(1))
    assert sum(p[0]["index"] == y for p, y in zip(predictions, labels)) >= 6


def test_uploaded_images_are_prepared_like_predict(client, run, digits, tmp_path):
    images, _ = digits
    files = [("files", (f"{i}.png", _png(1.0 - images[i]), "image/png")) for i in range(3)]
    answer = client.post("/predict", files=files)
    assert answer.status_code == 200
    predictions = answer.json()["predictions"]
    for i, ranking in enumerate(predictions):  # the same answer as `yingshe predict` on the file
        path = tmp_path / f"{i}.png"
        path.write_bytes(_png(1.0 - images[i]))
        best, p = recipe.predict(run, path, 1)[0]
        assert ranking[0]["class"] == best
        assert abs(ranking[0]["probability"] - p) < 1e-5


@pytest.mark.parametrize("request_kwargs, status, message", [
    ({"content": b'{"inputs": [1, 2', "headers": {"content-type": "application/json"}}, 400,
     "malformed JSON"),
    ({"json": [[0.0] * 28] * 28}, 422, "must be an object"),
    ({"json": {"inputs": [[0.0] * 27] * 28}}, 422, "do not fit the model's input"),
    ({"json": {"inputs": [["a"] * 28] * 28}}, 422, "rectangular nested array of numbers"),
    ({"json": {"inputs": [[0.0] * 28, [0.0]]}}, 422, "rectangular nested array"),
    ({"json": {"inputs": [[0.0] * 28] * 28, "top": "three"}}, 422, "top must be"),
    ({"files": [("files", ("x.png", b"not an image at all", "image/png"))]}, 415,
     "not an image"),
    ({"data": {"top": "3"}, "files": [("other", ("x.txt", b"hello", "text/plain"))]}, 422,
     "no files"),
    ({"content": b"hello", "headers": {"content-type": "text/plain"}}, 415,
     "unsupported content type"),
    ({"content": b"x" * 300_000, "headers": {"content-type": "application/json"}}, 413,
     "over the limit"),
    ({"files": [("files", ("big.png", b"\x89PNG" + b"x" * 250_000, "image/png"))]}, 413,
     "over the limit"),
    ({"json": {"inputs": np.zeros((MAX_BATCH + 1, 28, 28), np.uint8).tolist()}}, 413,
     "over the limit"),
])
def test_bad_input_gets_4xx_and_the_server_keeps_serving(client, digits, request_kwargs, status,
                                                          message):
    answer = client.post("/predict", **request_kwargs)
    assert answer.status_code == status, answer.text
    assert message in answer.json()["detail"]
    images, _ = digits
    assert client.post("/predict", json={"inputs": images[0].tolist()}).status_code == 200


def test_onnxruntime_backend_agrees(run, digits):
    pytest.importorskip("onnxruntime")
    images, _ = digits
    body = {"inputs": images.tolist(), "top": 3}
    ours = TestClient(create_app(run)).post("/predict", json=body).json()["predictions"]
    theirs = TestClient(create_app(run, runtime="onnxruntime")).post(
        "/predict", json=body).json()["predictions"]
    for a, b in zip(ours, theirs):
        assert [e["index"] for e in a] == [e["index"] for e in b]
        np.testing.assert_allclose([e["probability"] for e in a],
                                   [e["probability"] for e in b], atol=1e-5)


def test_export_command_writes_onnx_and_safetensors(run, tmp_path, digits):
    ort = pytest.importorskip("onnxruntime")
    out = cli.run(["export", str(run), "--format", "onnx", "--out", str(tmp_path / "m.onnx")],
                  log=lambda line: None)
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    images, _ = digits
    x = images[:5, None].astype(np.float32)
    assert session.run(None, {"input": x})[0].shape == (5, 10)
    weights = cli.run(["export", str(run), "--format", "safetensors", "--out",
                       str(tmp_path / "m.safetensors")], log=lambda line: None)
    from safetensors.numpy import load_file
    model, _ = recipe.load_model(run)
    saved = load_file(str(weights))
    assert sorted(saved) == sorted(model.state_dict())
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(saved[name], value.numpy())


def test_serve_command_starts_a_server(run):
    import socket
    import subprocess
    import sys
    import time

    import httpx
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "yingshe", "serve", str(run), "--port",
                               str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    answer = None
    try:
        for _ in range(300):
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1.0)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read().decode()
                time.sleep(0.1)
        assert answer is not None and answer.json() == {"status": "ok"}
        assert httpx.get(f"http://127.0.0.1:{port}/model").json()["model"] == "lenet5"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_binds_to_loopback_by_default():
    from yingshe.cli.main import build_parser
    args = build_parser().parse_args(["serve", "runs/x"])
    assert (args.host, args.port, args.runtime) == ("127.0.0.1", 8000, "yingshe")


@pytest.fixture(scope="module")
def speech_client(tmp_path_factory):
    """A speech-cnn run trained one epoch on 300 FSDD recordings (about 15 s): enough to check
    the serving path, not the accuracy."""
    from yingshe.datasets import default_root
    if not (default_root() / "fsdd").is_dir():
        pytest.skip("set YINGSHE_DATA to the folder holding fsdd/")
    out = tmp_path_factory.mktemp("speech") / "speech-cnn"
    cli.run(["train", "speech-cnn", "--epochs", "1", "--train-subset", "300", "--val-size", "0",
             "--seed", "0", "--out", str(out), "--no-progress"], log=lambda line: None)
    return out, TestClient(create_app(out))


def test_speech_run_transcribes_wav_uploads_like_transcribe(speech_client):
    from yingshe.datasets import default_root
    from yingshe.training.recipes import speech
    run, client = speech_client
    assert client.get("/model").json()["task"] == "transcribe"
    wavs = sorted((default_root() / "fsdd" / "recordings").glob("*.wav"))[:2]
    files = [("files", (w.name, w.read_bytes(), "audio/wav")) for w in wavs]
    answer = client.post("/predict", files=files)
    assert answer.status_code == 200, answer.text
    for got, wav in zip(answer.json()["predictions"], wavs):
        expected = speech.transcribe(run, wav)
        assert got["digits"] == expected["digits"]
        assert abs(got["probability"] - expected["probability"]) < 1e-6


def test_speech_run_refuses_bad_audio_and_keeps_serving(speech_client, tmp_path):
    import wave
    run, client = speech_client
    short = tmp_path / "short.wav"
    with wave.open(str(short), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(b"\0\0" * 100)
    cases = [({"files": [("files", ("x.wav", b"RIFF but not really", "audio/wav"))]}, 415, "x.wav"),
             ({"files": [("files", ("short.wav", short.read_bytes(), "audio/wav"))]}, 422,
              "too short"),
             ({"json": {"inputs": [0.0] * 10}}, 415, "WAV files")]
    for kwargs, status, message in cases:
        answer = client.post("/predict", **kwargs)
        assert answer.status_code == status, answer.text
        assert message in answer.json()["detail"]
    assert client.get("/health").status_code == 200
    with pytest.raises(ValueError, match="served by yingshe only"):
        create_app(run, runtime="onnxruntime")
