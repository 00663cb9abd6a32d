"""``yingshe export RUN --format onnx|safetensors`` and ``yingshe serve RUN``: a trained
classifier run as an ONNX file or bare weights, or behind an HTTP endpoint (``yingshe.serve``)."""
from pathlib import Path

import numpy as np

from ..serve.app import MAX_BODY_BYTES
from .runs import at_least


def descriptions():
    """No models to train here: this family only adds commands."""
    return {}


def export(args, log=print):
    """Write the run's best weights as ONNX (dynamic batch) or safetensors; returns the path."""
    from ..ops.creation import from_numpy
    from ..serialization import save
    from ..training.recipes import classification as recipe
    model, config = recipe.load_model(args.run)
    folder = Path(args.run) if Path(args.run).is_dir() else Path(args.run).parent
    out = Path(args.out) if args.out else folder / f"model.{args.format}"
    if args.format == "onnx":
        from ..onnx import export as export_onnx
        shape = (1, *config["data_info"]["image_shape"])
        export_onnx(model, from_numpy(np.zeros(shape, np.float32)), str(out),
                    input_names=["input"], output_names=["logits"],
                    dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    else:
        save(model.state_dict(), str(out))
    log(f"wrote {out} ({config['model']} on {config['dataset']}, {args.format})")
    return out


def serve(args, log=print):
    """Serve the run until interrupted."""
    import uvicorn

    from ..serve import create_app
    app = create_app(args.run, runtime=args.runtime, max_body_bytes=args.max_body_bytes)
    log(f"serving {args.run} on http://{args.host}:{args.port} (docs at /docs)")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


def add_commands(commands):
    """``export`` and ``serve``."""
    export_parser = commands.add_parser("export", help="write a classifier run as ONNX or "
                                                       "safetensors")
    export_parser.add_argument("run", help="a run folder or its checkpoint file")
    export_parser.add_argument("--format", choices=("onnx", "safetensors"), default="onnx")
    export_parser.add_argument("--out", help="the file to write (default: model.onnx or "
                                             "model.safetensors in the run folder)")
    export_parser.set_defaults(handler=export)
    serve_parser = commands.add_parser("serve", help="serve a classifier run over HTTP "
                                                     "(page at /, API docs at /docs)")
    serve_parser.add_argument("run", help="a run folder or its checkpoint file")
    serve_parser.add_argument("--host", default="127.0.0.1",
                              help="address to bind (default 127.0.0.1: this machine only)")
    serve_parser.add_argument("--port", type=at_least(1), default=8000)
    serve_parser.add_argument("--runtime", choices=("yingshe", "onnxruntime"), default="yingshe",
                              help="run the model in yingshe or its ONNX export in onnxruntime")
    serve_parser.add_argument("--max-body-bytes", type=at_least(1024), default=MAX_BODY_BYTES,
                              help="largest request body accepted (413 above)")
    serve_parser.set_defaults(handler=serve)
