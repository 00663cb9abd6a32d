"""``yingshe train speech-cnn|speech-crnn|speech-raw`` and ``yingshe transcribe``: spoken
digits from the Free Spoken Digit Dataset (``yingshe.training.recipes.speech``, which describes
the run folders).

    yingshe train speech-cnn --epochs 30 --out runs/speech-cnn
    yingshe train speech-crnn --epochs 12 --out runs/speech-crnn
    yingshe transcribe runs/speech-crnn digits.wav --beam 8 --plot alignment.png

``transcribe`` reads 8, 16, 24 or 32-bit integer PCM WAV; several channels are averaged to mono
and another sample rate is resampled to 8 kHz (both reported on stderr)."""
import sys

from ..datasets.fsdd import SPEAKERS
from ..models.speech import SPEECH_MODELS
from ..training.recipes import speech as recipe
from .runs import add_run_options, at_least, one_of, train_parser, train_run

__all__ = ["descriptions", "train_parser_for", "train", "add_commands"]

DEFAULTS = recipe.DEFAULTS


def descriptions():
    """{model: one line} of the speech models ``yingshe train`` knows."""
    return {name: line for name, (_, _, line) in SPEECH_MODELS.items()}


def train_parser_for(model):
    """The options of ``yingshe train MODEL`` for a speech model."""
    defaults = DEFAULTS[model]
    parser = train_parser(model, f"Train {model} ({descriptions()[model]}) and write a run "
                                 f"folder.")
    parser.add_argument("--batch-size", type=at_least(1), default=None,
                        help=f"default {defaults['batch_size']}")
    parser.add_argument("--lr", type=float, default=None,
                        help=f"Adam's learning rate, cosine-annealed (default {defaults['lr']})")
    parser.add_argument("--weight-decay", type=at_least(0.0, float), default=None,
                        help="L2 penalty (default 0)")
    parser.add_argument("--channels", type=at_least(1), nargs="+", default=None,
                        help=f"convolution widths (default "
                             f"{' '.join(map(str, defaults['channels']))})")
    parser.add_argument("--n-mels", type=at_least(4), default=None,
                        help=f"mel channels or learned filters (default {defaults['n_mels']})")
    parser.add_argument("--dropout", type=float, default=None,
                        help=f"default {defaults['dropout']}")
    parser.add_argument("--spec-augment", type=at_least(0), default=None, metavar="MASKS",
                        help=f"SpecAugment: frequency and time masks each (default "
                             f"{defaults['spec_augment']}; 0: off)")
    parser.add_argument("--speed-perturb", type=float, nargs="+", default=None,
                        metavar="SPEED", help="play each training waveform at one of these "
                                              "speeds, drawn anew each time (default "
                                              f"{defaults['speed_perturb'] or 'none'}; 1: off)")
    parser.add_argument("--noise-snr", type=float, nargs=2, default=None, metavar=("LOW", "HIGH"),
                        help=f"add white noise to each training waveform at an SNR (dB) drawn "
                             f"from [LOW, HIGH] (default {defaults['noise_snr'] or 'none'})")
    parser.add_argument("--val-size", type=at_least(0), default=None,
                        help=f"training recordings held out for validation, as many of each "
                             f"speaker and digit (default {defaults['val_size']})")
    if model == "speech-cnn":
        parser.add_argument("--test-speaker", default=None,
                            type=one_of(SPEAKERS, "speaker"),
                            help="test on every recording of this speaker, train on the other "
                                 "five (default: the official split)")
        parser.add_argument("--train-subset", type=at_least(1), default=None, metavar="N",
                            help="train on only N recordings (smoke tests)")
        parser.add_argument("--trim-db", type=at_least(0.0, float), default=None, metavar="DB",
                            help=f"classify the frames within DB decibels of the loudest "
                                 f"(default {defaults['trim_db']})")
    else:
        parser.add_argument("--hidden", type=at_least(1), default=None,
                            help=f"GRU units per direction (default {defaults['hidden']})")
        parser.add_argument("--rnn-layers", type=at_least(1), default=None,
                            help=f"default {defaults['rnn_layers']}")
        parser.add_argument("--train-strings", type=at_least(1), default=None,
                            help=f"default {defaults['train_strings']}")
        parser.add_argument("--val-strings", type=at_least(0), default=None,
                            help=f"default {defaults['val_strings']}")
        parser.add_argument("--test-strings", type=at_least(1), default=None,
                            help=f"default {defaults['test_strings']}")
        if model == "speech-raw":
            parser.add_argument("--front-end-lr", type=at_least(0.0, float), default=None,
                                help=f"learning rate of the learned filterbank (default "
                                     f"{defaults['front_end_lr']})")
        parser.add_argument("--beam-width", type=at_least(1), default=None,
                            help=f"prefix beam search width for the test figures (default "
                                 f"{defaults['beam_width']})")
    add_run_options(parser, f"run folder (default runs/{model})",
                    f"epochs in all (default {defaults['epochs']})")
    return parser


def train(model, args, log=print):
    """Train (or with --resume continue) a speech run; returns its metrics."""
    return train_run(model, args, recipe, f"runs/{model}", log)


def transcribe(args, log=print):
    """Print the digits a speech run hears in a WAV file; conversions go to stderr."""
    result = recipe.transcribe(args.run, args.wav, args.beam)
    for note in result["notes"]:
        print(f"note: {args.wav}: {note}", file=sys.stderr)
    extra = f" ({100 * result['probability']:.1f}%)" if "probability" in result else ""
    log(f"{result['digits']}{extra}")
    if args.plot:
        recipe.plot_transcription(args.run, args.wav, args.plot)
        log(f"alignment picture: {args.plot}")
    return result


def add_commands(commands):
    """``transcribe``."""
    parser = commands.add_parser("transcribe", help="the digits a speech run hears in a WAV "
                                                    "file")
    parser.add_argument("run", help="a run folder of yingshe train speech-*, or its checkpoint")
    parser.add_argument("wav", help="integer PCM WAV (mono or not, any sample rate)")
    parser.add_argument("--beam", type=at_least(0), default=0,
                        help="prefix beam search width (0: greedy; string models)")
    parser.add_argument("--plot", default=None, metavar="PNG",
                        help="also draw the features and CTC posteriors (string models)")
    parser.set_defaults(handler=transcribe)
