"""Every data set the project reads, with its files and their published checksums, for
``yingshe datasets``: where each file should be and whether it is there and intact."""
from pathlib import Path

from ..vision.datasets import MNIST, FashionMNIST
from .sentiment import FILES as RT_POLARITY_FILES
from .sentiment import RTPolarity
from .text import CORPORA, TinyShakespeare
from .translation import TatoebaPairs
from .utils import DatasetIntegrityError, default_root, verify_file
from .word_eval import WORD_EVAL

__all__ = ["catalog", "file_states"]


DESCRIPTIONS = {
    "mnist": "MNIST handwritten digits (LeCun et al. 1998): 60,000 + 10,000 images, 28 x 28",
    "fashion-mnist": "Fashion-MNIST (Xiao et al. 2017): 60,000 + 10,000 article images, 28 x 28",
    "ptb": "Penn Treebank, Mikolov's language-modelling version: 10,000 words",
    "wikitext-2": "WikiText-2 (Merity et al. 2017): 2 million training tokens",
    "tinyshakespeare": "Tiny Shakespeare (Karpathy 2015): 1,115,394 characters",
    "fra-eng": "English-French sentence pairs from Tatoeba (manythings.org/anki)",
    "rt-polarity": "sentence polarity v1.0 (Pang & Lee 2005): 5,331 + 5,331 review snippets",
    "word-eval": "Google analogies, WordSim-353 and SimLex-999 (word-vector benchmarks)",
}


def catalog():
    """{name: (one line, [(path under the data root, verify_file keywords)])}."""
    files = {cls.folder: [(f"{cls.folder}/{name}", {"md5": md5})
                          for name, md5 in cls.resources.items()]
             for cls in (MNIST, FashionMNIST)}
    for corpus, (folder, splits) in CORPORA.items():
        files[corpus] = [(f"{folder}/{name}", {"md5": md5, "gunzip": True})
                         for name, md5 in splits.values()]
    files["tinyshakespeare"] = [(f"{TinyShakespeare.folder}/input.txt",
                                 {"md5": TinyShakespeare.md5})]
    files["fra-eng"] = [(f"{TatoebaPairs.folder}/{TatoebaPairs.filename}",
                         {"md5": TatoebaPairs.md5, "gunzip": True})]
    files["rt-polarity"] = [(f"{RTPolarity.folder}/{name}",
                             {"size": size, "md5": md5, "sha256": sha256})
                            for name, (size, md5, sha256) in RT_POLARITY_FILES.items()]
    files["word-eval"] = [(f"word-eval/{relative}", {"sha256": sha256})
                          for relative, sha256 in WORD_EVAL.values()]
    return {name: (DESCRIPTIONS[name], entries) for name, entries in files.items()}


def file_states(root=None):
    """{name: (one line, folder, {relative path: "ok" | "missing" | what differs})}."""
    root = Path(root) if root is not None else default_root()
    states = {}
    for name, (line, files) in catalog().items():
        found = {}
        for relative, expected in files:
            path = root / relative
            try:
                verify_file(path, **expected)
                found[relative] = "ok"
            except DatasetIntegrityError as error:
                found[relative] = "missing" if not path.is_file() else \
                    str(error).split(": ", 1)[1].split(";")[0]
        states[name] = (line, root / relative.split("/")[0], found)
    return states
