"""Chinese text normalisation and tokenisation for citizen messages.

Two jieba segmenters are available, both created lazily, once, and without log output:

* the *domain* segmenter (default dictionary plus ``userdict.txt``, a few hundred governance
  terms such as 飞线充电, 占道经营, 捆绑销售) used for hot-issue mining, duplicates and anything a
  person reads;
* the *plain* segmenter (jieba's default dictionary only), used by the routing model, because
  the labelled training file ``messages_tokenized_train.csv`` was produced by plain jieba with
  stop words removed. Using the same segmentation for raw text keeps the train and test
  representations identical.

Text that is already tokenised (space separated, as in the tokenised training file) is detected
and split on whitespace instead of being segmented again.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import unicodedata
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jieba

__all__ = [
    "USER_DICT_PATH",
    "is_pretokenised",
    "join_tokens",
    "normalise",
    "segment",
    "stopwords",
    "tokenize",
    "user_terms",
]

_HERE = Path(__file__).resolve().parent
USER_DICT_PATH = _HERE / "userdict.txt"
STOPWORDS_PATH = _HERE / "stopwords.txt"

_lock = threading.Lock()
_segmenters: dict[bool, jieba.Tokenizer] = {}

# Spreadsheet exports leave "_x000D_" carriage-return markers in the text.
_EXCEL_CR = re.compile(r"_?x000D_?", re.IGNORECASE)
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_WS = re.compile(r"\s+")
_CJK_CHAR = re.compile(rf"[{_CJK}]")
# A token made only of punctuation/symbols, or a lone digit, carries no meaning.
_JUNK_TOKEN = re.compile(r"^(?:[\W_]+|\d)$")


def _quiet_jieba() -> None:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    logging.getLogger("jieba").setLevel(logging.WARNING)


def _segmenter(user_dict: bool) -> jieba.Tokenizer:
    """Return the (lazily built, shared) jieba segmenter."""
    seg = _segmenters.get(user_dict)
    if seg is not None:
        return seg
    with _lock:
        seg = _segmenters.get(user_dict)
        if seg is None:
            import jieba

            _quiet_jieba()
            # the default module-level tokenizer stays plain; the domain one is separate
            seg = jieba.Tokenizer() if user_dict else jieba.dt
            seg.initialize()
            if user_dict:
                for term in user_terms():
                    seg.add_word(term)
            _segmenters[user_dict] = seg
    return seg


# jieba's own block patterns (jieba/__init__.py: re_han_default, re_skip_default).
_JIEBA_HAN = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+)")
_JIEBA_SKIP = re.compile(r"(\r\n|\s)")
_HMM_CACHE_LIMIT = 50_000
_hmm_cache: dict[str, tuple[str, ...]] = {}


def _hmm_cut(buf: str) -> tuple[str, ...]:
    """jieba's HMM guess of unknown words (``finalseg.cut``), memoised (it is deterministic)."""
    found = _hmm_cache.get(buf)
    if found is None:
        from jieba import finalseg

        found = tuple(finalseg.cut(buf))
        if len(_hmm_cache) >= _HMM_CACHE_LIMIT:
            _hmm_cache.clear()
        _hmm_cache[buf] = found
    return found


def _cut_block(freq: dict[str, int], logtotal: float, sentence: str) -> list[str]:
    """One Chinese/alphanumeric block, exactly as jieba's ``__cut_DAG`` (accurate mode + HMM).

    jieba builds the word DAG, then the best route right to left, through dictionaries,
    generators and tuples; here both are one right-to-left pass with the same arithmetic (so the
    same floating-point scores and the same tie-breaking: the longest word wins a tie).
    """
    n = len(sentence)
    get = freq.get
    log = math.log
    best_p = [0.0] * (n + 1)
    best_end = [0] * n
    for k in range(n - 1, -1, -1):
        end = -1
        p_max = 0.0
        i = k
        f = get(sentence[k])
        while f is not None:  # the fragment is a word or a prefix of a word
            if f:
                p = log(f) - logtotal + best_p[i + 1]
                if end < 0 or p >= p_max:
                    p_max, end = p, i
            i += 1
            if i >= n:
                break
            f = get(sentence[k : i + 1])
        if end < 0:
            p_max, end = log(get(sentence[k]) or 1) - logtotal + best_p[k + 1], k
        best_p[k] = p_max
        best_end[k] = end
    out: list[str] = []
    x = 0
    buf = ""
    while x < n:
        y = best_end[x] + 1
        if y - x == 1:
            buf += sentence[x]
        else:
            if buf:
                if len(buf) == 1 or get(buf):
                    out.extend(buf)
                else:
                    out.extend(_hmm_cut(buf))
                buf = ""
            out.append(sentence[x:y])
        x = y
    if buf:
        if len(buf) == 1 or get(buf):
            out.extend(buf)
        else:
            out.extend(_hmm_cut(buf))
    return out


def segment(text: str, *, user_dict: bool = True) -> list[str]:
    """``jieba.lcut(text)`` (accurate mode, HMM on), same output, about twice as fast."""
    seg = _segmenter(user_dict)
    freq = seg.FREQ
    logtotal = math.log(seg.total)
    out: list[str] = []
    for blk in _JIEBA_HAN.split(text):
        if not blk:
            continue
        if _JIEBA_HAN.match(blk):
            out.extend(_cut_block(freq, logtotal, blk))
        else:
            for x in _JIEBA_SKIP.split(blk):
                if _JIEBA_SKIP.match(x):
                    out.append(x)
                else:
                    out.extend(x)
    return out


@cache
def stopwords() -> frozenset[str]:
    """Stop words (function words) removed before modelling."""
    return frozenset(STOPWORDS_PATH.read_text(encoding="utf-8").split())


@cache
def user_terms() -> tuple[str, ...]:
    """Domain terms from ``userdict.txt`` (first column of each line)."""
    terms = []
    for line in USER_DICT_PATH.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts and not parts[0].startswith("#"):
            terms.append(parts[0])
    return tuple(terms)


def normalise(text: str | None) -> str:
    """NFKC-normalise, drop spreadsheet artefacts and whitespace between Chinese characters."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text))
    text = _EXCEL_CR.sub(" ", text)
    text = _SPACE_BETWEEN_CJK.sub("", text)
    return _WS.sub(" ", text).strip()


def is_pretokenised(text: str) -> bool:
    """True when ``text`` looks like space-separated jieba tokens rather than running text.

    Running Chinese text has (almost) no spaces between Chinese characters; tokenised text has
    one every two or three characters.
    """
    cjk = len(_CJK_CHAR.findall(text))
    if cjk == 0:
        return False
    gaps = len(_SPACE_BETWEEN_CJK.findall(text))
    return gaps >= 1 and gaps >= 0.15 * cjk


def tokenize(
    text: str | None,
    *,
    remove_stopwords: bool = True,
    user_dict: bool = True,
    hmm: bool = True,
) -> list[str]:
    """Split ``text`` into words.

    Already-tokenised text is split on whitespace; running text is normalised and segmented
    with jieba (``hmm=False`` skips jieba's HMM guess of unknown words: faster, slightly
    different for names). Punctuation, lone digits and (optionally) stop words are dropped.
    """
    if not text:
        return []
    text = str(text)
    if is_pretokenised(text):
        raw_tokens = unicodedata.normalize("NFKC", _EXCEL_CR.sub(" ", text)).split()
    else:
        clean = normalise(text)
        if not clean:
            return []
        if hmm:
            raw_tokens = segment(clean, user_dict=user_dict)
        else:
            raw_tokens = _segmenter(user_dict).lcut(clean, HMM=False)
    stop = stopwords() if remove_stopwords else frozenset()
    return [
        tok
        for tok in (t.strip() for t in raw_tokens)
        if tok and tok not in stop and not _JUNK_TOKEN.match(tok)
    ]


def join_tokens(text: str | None, *, user_dict: bool = True, hmm: bool = True) -> str:
    """Tokens of ``text`` joined by single spaces (the representation the models use)."""
    return " ".join(tokenize(text, user_dict=user_dict, hmm=hmm))
