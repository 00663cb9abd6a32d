"""An inference server for one trained image-classifier run: an ASGI app (FastAPI) with

    POST /predict   a JSON body {"inputs": images, "top": k} (images (H, W), (N, H, W) or
                    (N, C, H, W), pixel values in [0, 1] as the dataset's ToTensor gives them),
                    or a multipart upload of one or more image files ("files"), each prepared
                    exactly as ``yingshe predict`` prepares a file (``prepare_image``); a batch
                    answers with one ranking per image
    GET  /health    liveness
    GET  /model     the run: model, dataset, classes, input shape, metrics, runtime
    GET  /          a page to draw a digit (or upload a photo) and see the top-3 classes
    GET  /docs      the OpenAPI documentation

A speech run (``yingshe train speech-*``) is served the same way, its ``/predict`` taking WAV
uploads and answering the digits heard, as ``yingshe transcribe`` does.  Every request body is
limited in size (``max_body_bytes``), bad input gets a 4xx answer with a message, and a
classifier runs either in yingshe or, with ``runtime="onnxruntime"``, as the ONNX export of the
same weights in onnxruntime."""
import io
import json
import warnings
from importlib import resources

import numpy as np
from PIL import Image, UnidentifiedImageError

from ..audio._io import AudioFileError
from ..autograd.grad_mode import no_grad
from ..nn import functional as F
from ..ops.creation import from_numpy
from ..training.recipes import classification as recipe
from ..training.run_folder import RunFolder

__all__ = ["Classifier", "Transcriber", "create_app", "MAX_BODY_BYTES", "MAX_BATCH"]

MAX_BODY_BYTES = 4 * 1024 * 1024  # an upload of a few photos; a 28 x 28 JSON batch of ~500
MAX_BATCH = 256


class BadInput(ValueError):
    """A request the server cannot read: answered with ``status`` and the message."""

    def __init__(self, message, status=422):
        super().__init__(message)
        self.status = status


class Classifier:
    """A classifier run ready to answer: its model (yingshe, or with
    ``runtime="onnxruntime"`` an onnxruntime session of its ONNX export), normalisation and
    classes; what ``create_app`` serves for an image-classifier run.  ``probabilities``
    normalises a batch of [0, 1] images with the dataset's mean and std and returns
    softmax(model(x)); ``rank`` keeps the ``top`` classes of each image.

    Shape:
        ``from_json``: (H, W), (N, H, W) or (N, C, H, W) nested lists to an (N, C, H, W)
        float32 array; ``probabilities``: (N, C, H, W) to (N, classes).

    Examples:
        With a run folder of ``yingshe train lenet5`` (skipped here: it needs a trained run):

        >>> import numpy as np
        >>> from yingshe.serve import Classifier
        >>> classifier = Classifier("runs/lenet5-mnist")                # doctest: +SKIP
        >>> classifier.input_shape, classifier.classes[:2]              # doctest: +SKIP
        ((1, 28, 28), ['0 - zero', '1 - one'])
        >>> batch = classifier.from_json(np.zeros((28, 28)).tolist())   # doctest: +SKIP
        >>> batch.shape                                                 # doctest: +SKIP
        (1, 1, 28, 28)
        >>> [p["class"] for p in classifier.rank(batch, top=2)[0]]     # doctest: +SKIP
        ['5 - five', '3 - three']
    """

    def __init__(self, run, runtime="yingshe"):
        if runtime not in ("yingshe", "onnxruntime"):
            raise ValueError(f"runtime must be 'yingshe' or 'onnxruntime', got {runtime!r}")
        self.model, self.config = recipe.load_model(run)
        info = self.config["data_info"]
        self.classes = list(info["classes"])
        self.input_shape = tuple(info["image_shape"])
        self.mean = np.asarray(info["mean"], np.float32).reshape(-1, 1, 1)
        self.std = np.asarray(info["std"], np.float32).reshape(-1, 1, 1)
        self.runtime = runtime
        self.metrics = _metrics(run)
        self.session = self._onnx_session() if runtime == "onnxruntime" else None

    def _onnx_session(self):
        import onnxruntime

        from ..onnx import export
        buffer = io.BytesIO()
        export(self.model, from_numpy(np.zeros((1, *self.input_shape), np.float32)), buffer,
               input_names=["input"], output_names=["logits"],
               dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        return onnxruntime.InferenceSession(buffer.getvalue(), options,
                                            providers=["CPUExecutionProvider"])

    def describe(self):
        """What ``GET /model`` answers: model, dataset, task, classes, input shape, metrics and
        runtime.
        """
        return {"model": self.config["model"], "dataset": self.config["dataset"],
                "task": "classify", "classes": self.classes,
                "input_shape": list(self.input_shape), "metrics": self.metrics,
                "runtime": self.runtime}

    # ---- inputs --------------------------------------------------------------------------
    def from_json(self, inputs):
        """Pixel values in [0, 1], (H, W), (N, H, W) or (N, C, H, W), as an (N, C, H, W) batch."""
        try:
            array = np.asarray(inputs, dtype=np.float32)
        except (ValueError, TypeError):
            raise BadInput("inputs must be a rectangular nested array of numbers") from None
        c, h, w = self.input_shape
        if array.ndim == 2:
            array = array[None]
        if array.ndim == 3 and c == 1:
            array = array[:, None]
        if array.ndim != 4 or array.shape[1:] != (c, h, w):
            raise BadInput(f"inputs of shape {list(np.shape(inputs))} do not fit the model's "
                           f"input {list(self.input_shape)}: send (H, W), (N, H, W) for one "
                           f"channel, or (N, C, H, W)")
        if not np.isfinite(array).all():
            raise BadInput("inputs hold NaN or infinite values")
        return array

    def from_image(self, data, name):
        """An uploaded image file prepared as the dataset's images were (``prepare_image``)."""
        try:
            with Image.open(io.BytesIO(data)) as opened:
                opened.load()
                if opened.mode in ("RGBA", "LA", "PA") or "transparency" in opened.info:
                    rgba = opened.convert("RGBA")
                    opened = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
                grey = np.asarray(opened.convert("L"), np.float32) / 255.0
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
            raise BadInput(f"{name}: not an image Pillow can read", status=415) from None
        c, h, w = self.input_shape
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", recipe.UnreliableImageWarning)
            prepared = recipe.prepare_image(grey, h, dataset=self.config["dataset"])
        return np.broadcast_to(prepared, (c, h, w))

    # ---- answers -------------------------------------------------------------------------
    def probabilities(self, batch):
        """(N, classes) probabilities of a batch of [0, 1] images (normalised here)."""
        x = ((batch - self.mean) / self.std).astype(np.float32)
        if self.session is not None:
            logits = self.session.run(None, {"input": x})[0]
            shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
            return shifted / shifted.sum(axis=1, keepdims=True)
        with no_grad():
            return F.softmax(self.model(from_numpy(x)), dim=1).numpy()

    def rank(self, batch, top):
        """The ``top`` classes with their probabilities for each image of ``batch`` (at most
        ``MAX_BATCH`` images, else a 413 error).
        """
        if len(batch) > MAX_BATCH:
            raise BadInput(f"a batch of {len(batch)} images is over the limit of {MAX_BATCH}",
                           status=413)
        p = self.probabilities(batch)
        top = max(1, min(int(top), len(self.classes)))
        return [[{"class": self.classes[k], "index": int(k), "probability": float(row[k])}
                 for k in np.argsort(-row)[:top]] for row in p]


def _metrics(run):
    path = RunFolder.containing(run) / RunFolder.METRICS
    return json.loads(path.read_text()) if path.is_file() else {}


def _model_name(run):
    return RunFolder.containing(run).read_json(RunFolder.CONFIG).get("model")


class Transcriber:
    """A speech run: each uploaded WAV file gives the digits heard in it, as
    ``yingshe transcribe`` prints them (``recipes.speech.transcribe``: channels averaged,
    resampled to 8 kHz); what ``create_app`` serves for a ``yingshe train speech-*`` run.
    ``transcribe`` answers {"digits": ..., "notes": ...}, with the "probability" of the digit
    for an isolated-digit model.

    Examples:
        With a run folder of ``yingshe train speech-cnn`` (skipped here: it needs a trained
        run):

        >>> from pathlib import Path
        >>> from yingshe.serve import Transcriber
        >>> transcriber = Transcriber("runs/speech-cnn")                   # doctest: +SKIP
        >>> wav = Path("7_jackson_0.wav")                                  # an FSDD recording
        >>> result = transcriber.transcribe(wav.read_bytes(), wav.name)    # doctest: +SKIP
        >>> result["digits"], sorted(result)                               # doctest: +SKIP
        ('7', ['digits', 'notes', 'probability'])
    """

    def __init__(self, run):
        from ..training.recipes import speech
        self.recipe = speech
        self.model, self.config = speech.load_model(run)
        self.runtime, self.metrics = "yingshe", _metrics(run)

    def describe(self):
        """What ``GET /model`` answers: model, task, classes, accepted input, metrics and
        runtime."""
        return {"model": self.config["model"], "dataset": "fsdd", "task": "transcribe",
                "classes": [str(d) for d in range(10)],
                "input": "a PCM WAV file (any channels and sample rate)",
                "metrics": self.metrics, "runtime": self.runtime}

    def transcribe(self, data, name):
        """The digits spoken in the WAV file ``data`` (its file name ``name``), with their
        probability; an unreadable or unusable recording is a 415 or 400 error.
        """
        upload = io.BytesIO(data)
        upload.name = name  # named in the reader's error messages
        try:
            result = self.recipe.transcribe_with(self.model, self.config, upload)
        except AudioFileError as error:
            raise BadInput(str(error), status=415) from None
        except ValueError as error:  # e.g. a recording too short to hold a digit
            raise BadInput(str(error)) from None
        return {key: result[key] for key in ("digits", "probability", "notes") if key in result}


class BodyLimit:
    """ASGI middleware: a request whose body passes ``limit`` bytes (by its Content-Length or
    as it streams) is answered 413 before the app reads it."""

    def __init__(self, app, limit):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await _too_large(send, self.limit)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _BodyTooLarge
            return message
        try:
            return await self.app(scope, counted, send)
        except _BodyTooLarge:
            return await _too_large(send, self.limit)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send, limit):
    body = json.dumps({"detail": f"request body over the limit of {limit} bytes"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


_PREDICT_DOC = {
    "requestBody": {"content": {
        "application/json": {"schema": {
            "type": "object", "required": ["inputs"],
            "properties": {"inputs": {"type": "array", "items": {},
                                      "description": "(H, W), (N, H, W) or (N, C, H, W) pixel "
                                                     "values in [0, 1]"},
                           "top": {"type": "integer", "default": 3}}}},
        "multipart/form-data": {"schema": {
            "type": "object", "required": ["files"],
            "properties": {"files": {"type": "array",
                                     "items": {"type": "string", "format": "binary"}},
                           "top": {"type": "integer", "default": 3}}}}}}}


def create_app(run, runtime="yingshe", max_body_bytes=MAX_BODY_BYTES):
    """The ASGI app (FastAPI) serving the classifier or speech run folder (or checkpoint)
    ``run``: ``POST /predict`` (a JSON batch or uploaded files), ``GET /health``,
    ``GET /model``, the drawing page ``/`` and the OpenAPI docs ``/docs`` (see the module
    docstring).  ``runtime="onnxruntime"`` runs a classifier's ONNX export; request bodies
    over ``max_body_bytes`` are answered 413.  ``yingshe serve RUN`` runs it with uvicorn.

    Shape:
        ``/predict``'s JSON ``inputs``: (H, W), (N, H, W) or (N, C, H, W) pixel values in
        [0, 1]; the answer: N rankings of the ``top`` classes.

    Examples:
        With a run folder of ``yingshe train lenet5`` (skipped here: it needs a trained run
        and the ``serve`` extra):

        >>> import numpy as np
        >>> import yingshe.serve
        >>> yingshe.serve.MAX_BODY_BYTES, yingshe.serve.MAX_BATCH       # the default limits
        (4194304, 256)
        >>> from fastapi.testclient import TestClient                  # doctest: +SKIP
        >>> client = TestClient(yingshe.serve.create_app("runs/lenet5-mnist"))  # doctest: +SKIP
        >>> client.get("/health").json()                                # doctest: +SKIP
        {'status': 'ok'}
        >>> answer = client.post("/predict", json={"inputs": np.zeros((2, 28, 28)).tolist(),
        ...                                        "top": 1})          # doctest: +SKIP
        >>> rankings = answer.json()["predictions"]                     # doctest: +SKIP
        >>> [[p["class"] for p in ranking] for ranking in rankings]     # doctest: +SKIP
        [['5 - five'], ['5 - five']]
        >>> import uvicorn                                              # doctest: +SKIP
        >>> uvicorn.run(yingshe.serve.create_app("runs/lenet5-mnist"), port=8000)  # doctest: +SKIP
    """
    from fastapi import FastAPI, Request
    from fastapi.responses import HTMLResponse, JSONResponse

    from ..models.speech import SPEECH_MODELS
    speech = _model_name(run) in SPEECH_MODELS
    if speech and runtime != "yingshe":
        raise ValueError(f"{run}: a speech run is served by yingshe only (runtime "
                         f"{runtime!r} is for classifiers)")
    served = Transcriber(run) if speech else Classifier(run, runtime)
    app = FastAPI(title="yingshe serve", version="1",
                  description=f"{served.config['model']} ({served.describe()['dataset']})")
    page = resources.files(__package__).joinpath("index.html").read_text(encoding="utf-8")

    @app.exception_handler(BadInput)
    async def bad_input(request, error):
        return JSONResponse({"detail": str(error)}, status_code=error.status)

    @app.get("/health")
    def health():
        return {"status": "ok"}

    @app.get("/model")
    def model():
        return served.describe()

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index():
        return page

    @app.post("/predict", openapi_extra=_PREDICT_DOC)
    async def predict(request: Request):
        """Top classes with probabilities for each image of a JSON batch or of the uploaded
        files (a speech run: the digits heard in each uploaded WAV file)."""
        kind = request.headers.get("content-type", "").split(";")[0].strip()
        if kind == "application/json" and not speech:
            try:
                body = json.loads(await request.body())
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                raise BadInput(f"malformed JSON: {error}", status=400) from None
            if not isinstance(body, dict) or "inputs" not in body:
                raise BadInput('the JSON body must be an object {"inputs": [...], "top": k}')
            batch, top = served.from_json(body["inputs"]), body.get("top", 3)
        elif kind == "multipart/form-data":
            form = await request.form()
            files = [f for f in form.getlist("files") if hasattr(f, "read")]
            if not files:
                raise BadInput('the form holds no files (field "files")')
            uploads = [(await f.read(), f.filename or "upload") for f in files]
            if speech:
                return {"predictions": [served.transcribe(*u) for u in uploads],
                        "runtime": served.runtime}
            batch = np.stack([served.from_image(*u) for u in uploads])
            top = form.get("top", 3)
        else:
            wanted = "multipart/form-data (WAV files)" if speech else \
                "application/json or multipart/form-data"
            raise BadInput(f"unsupported content type {kind or 'none'!r}: send {wanted}",
                           status=415)
        if not isinstance(top, (int, str)) or not str(top).isdigit():
            raise BadInput(f"top must be a positive integer, got {top!r}")
        return {"predictions": served.rank(batch, int(top)), "runtime": served.runtime}

    app.add_middleware(BodyLimit, limit=max_body_bytes)
    return app
