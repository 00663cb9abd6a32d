"""Tokenisers: whitespace splitting (PTB, WikiText-2 and the word-eval sets come tokenised),
sentence tokenisation with punctuation split off (Tatoeba pairs), and Kim's (2014) cleaning of
movie-review snippets."""
import re

__all__ = ["tokenize", "tokenize_sentence", "clean_str"]


def tokenize(line, lower=False):
    """Whitespace tokenisation, lower-cased when ``lower``.

    Examples:
        >>> from yingshe.text import tokenize
        >>> tokenize("The cat  sat <unk>", lower=True)
        ['the', 'cat', 'sat', '<unk>']
    """
    return (line.lower() if lower else line).split()


_PUNCTUATION = re.compile(r"([.,!?;:«»\"()])")


def tokenize_sentence(sentence):
    """Lower-case words with punctuation split off: "Go away!" -> ["go", "away", "!"];
    narrow and non-breaking spaces (French typography) count as spaces.

    Examples:
        >>> from yingshe.text import tokenize_sentence
        >>> tokenize_sentence("Go away!")
        ['go', 'away', '!']
        >>> tokenize_sentence("Va-t'en, vite\\u202f!")    # French: narrow space before "!"
        ["va-t'en", ',', 'vite', '!']
    """
    text = sentence.replace("\u202f", " ").replace("\xa0", " ").lower()
    return _PUNCTUATION.sub(r" \1 ", text).split()


# Kim's clean_str (CNN_sentence/process_data.py), one (pattern, replacement) per line.  His
# replacements " \( ", " \) ", " \? " leave a backslash in the token; we write " ( " etc.
_CLEAN_RULES = [(re.compile(pattern), repl) for pattern, repl in (
    (r"[^A-Za-z0-9(),!?'`]", " "),
    (r"'s", " 's"), (r"'ve", " 've"), (r"n't", " n't"), (r"'re", " 're"), (r"'d", " 'd"),
    (r"'ll", " 'll"),
    (r",", " , "), (r"!", " ! "), (r"\(", " ( "), (r"\)", " ) "), (r"\?", " ? "),
    (r"\s{2,}", " "),
)]


def clean_str(text):
    """Kim (2014)'s cleaning: keep letters, digits and ( ) , ! ? ' `, split off clitics ('s,
    n't, ...) and punctuation, squeeze spaces, strip and lower-case.

    Examples:
        >>> from yingshe.text import clean_str
        >>> clean_str("It's a gripping, well-acted film!")
        "it 's a gripping , well acted film !"
    """
    for pattern, repl in _CLEAN_RULES:
        text = pattern.sub(repl, text)
    return text.strip().lower()
