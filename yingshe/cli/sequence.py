"""``yingshe generate`` and ``yingshe translate``: text from the sequence models that
examples/char_language_model.py and examples/translation.py train
(``yingshe.training.recipes.sequence``).

    yingshe generate runs/shakespeare-lstm --prompt "ROMEO:" --length 500 --temperature 0.8
    yingshe translate runs/translate-attention "he is a good person ." --heatmap attention.png"""
from ..training.plots import plot_attention
from ..training.recipes import sequence as recipe
from .runs import at_least

__all__ = ["descriptions", "add_commands"]


def descriptions():
    """The sequence models train with their example scripts, not ``yingshe train``."""
    return {}


def generate(args, log=print):
    """Sample ``--length`` characters after ``--prompt`` from a trained character model."""
    text = recipe.generate(args.run, args.prompt, args.length, args.temperature, args.seed)
    log(text)
    return text


def translate(args, log=print):
    """Translate one sentence; optionally plot the attention weights of greedy decoding."""
    if args.heatmap and args.beam:
        raise ValueError("--heatmap needs greedy decoding (leave out --beam)")
    translation, attention, source, target = recipe.translate(args.run, args.sentence,
                                                              args.beam)
    log(translation)
    if args.heatmap:
        if attention is None:
            raise ValueError("--heatmap needs a model trained with attention")
        plot_attention(attention, source, target, args.heatmap)
        log(f"attention heatmap: {args.heatmap}")
    return translation


def add_commands(commands):
    """``generate`` and ``translate``."""
    generator = commands.add_parser("generate", help="sample text from a character LM run")
    generator.add_argument("run", help="a run folder of examples/char_language_model.py, or a "
                                       "checkpoint in it")
    generator.add_argument("--prompt", default="ROMEO:")
    generator.add_argument("--length", type=at_least(0), default=500)
    generator.add_argument("--temperature", type=float, default=0.8)
    generator.add_argument("--seed", type=int, default=0)
    generator.set_defaults(handler=generate)

    translator = commands.add_parser("translate", help="translate English to French")
    translator.add_argument("run", help="a run folder of examples/translation.py, or a "
                                        "checkpoint in it")
    translator.add_argument("sentence")
    translator.add_argument("--beam", type=at_least(0), default=0,
                            help="beam width (0: greedy)")
    translator.add_argument("--heatmap", default=None,
                            help="save the attention weights as PNG")
    translator.set_defaults(handler=translate)
