"""Routing suggestions: classify a citizen message into a top-level category.

Model (chosen by grouped 5-fold cross-validation on the TipDM 2020 C data, see
``docs/intelligence.md``):

* text -> plain jieba tokens with stop words removed (the representation of
  ``messages_tokenized_train.csv``; see :mod:`chuangcheng.intelligence.text`);
* features (``blocks``, default ``("words", "chars", "head_chars")``): sub-linear TF-IDF of
  - word unigrams of the whole message,
  - character 1-3-grams of the glued tokens (n-grams cross word boundaries, so they do not
    depend on how jieba cut a phrase; ``char_min_df=5``: n-grams of fewer than 5 texts are
    dropped, a quarter of the vocabulary, same F1),
  - character 1-3-grams of the glued first ``head_tokens`` tokens (the subject line comes first
    in every message and is the most telling part);
* one-vs-rest ``LinearSVC`` (C=0.3, ``class_weight="balanced"``);
* confidences: a softmax over the SVM scores with a fixed temperature (4.2, fitted by
  minimising the cross-validated log loss), so they sum to 1 over all labels and the top-k
  values sum to at most 1.

Pure Python: no Django import, so it can be unit-tested and benchmarked alone.
"""

from __future__ import annotations

import csv
import pickle
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np

from .text import is_pretokenised, join_tokens

__all__ = [
    "FORMAT_VERSION",
    "LabelledData",
    "Router",
    "RouterLoadError",
    "read_labelled_csv",
]

FORMAT_VERSION = 2
_MAGIC = "chuangcheng.intelligence.Router"

TEXT_COLUMNS = ("text", "text_tokenized")
ID_COLUMNS = ("full_row_idx", "row_idx", "msg_id")


class RouterLoadError(ValueError):
    """A stored model could not be read (wrong file, format or version)."""


class _Head:
    """Picklable preprocessor keeping the first ``n`` space-separated tokens."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __call__(self, text: str) -> str:
        return " ".join(text.split()[: self.n])


class _Joined:
    """Picklable preprocessor gluing the tokens (of the first ``n``, if given) together.

    Character n-grams of the glued text cross word boundaries, so they do not depend on how
    jieba happened to cut a phrase (stop words and punctuation are already gone).
    """

    def __init__(self, n: int | None = None) -> None:
        self.n = n

    def __call__(self, text: str) -> str:
        tokens = text.split()
        return "".join(tokens[: self.n] if self.n else tokens)


#: Feature blocks a router can use (``Router(blocks=...)``):
#: ``words`` word unigrams; ``chars`` character 1-``char_max``-grams of the glued tokens;
#: ``wb_chars`` character 2-4-grams inside words; ``head_*`` the same on the first
#: ``head_tokens`` tokens (the subject line comes first and is the most telling part).
BLOCKS = ("words", "chars", "wb_chars", "head_words", "head_chars", "head_wb_chars")
DEFAULT_BLOCKS = ("words", "chars", "head_chars")


@dataclass
class LabelledData:
    """Texts and labels read from one CSV file; ``ids`` identify a message across files."""

    texts: list[str]
    labels: list[str]
    ids: list[str]


def _message_text(row: dict[str, str], fields: Sequence[str]) -> str:
    if "text" in fields and (row.get("text") or "").strip():
        return row["text"]
    if "subject" in fields and "body" in fields:
        subject = (row.get("subject") or "").strip()
        body = (row.get("body") or "").strip()
        if subject or body:
            return f"{subject}。{body}" if subject and body else subject or body
    return row.get("text_tokenized") or row.get("text") or ""


def read_labelled_csv(path: str | Path, *, require_label: bool = True) -> LabelledData:
    """Read a CSV with a ``label`` column and ``text`` / ``subject``+``body`` / ``text_tokenized``.

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` (message in Chinese and
    English) for missing columns.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"文件不存在 / file not found: {path}")
    csv.field_size_limit(1 << 24)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = [f.strip() for f in (reader.fieldnames or [])]
        reader.fieldnames = fields
        has_text = any(c in fields for c in TEXT_COLUMNS) or {"subject", "body"} <= set(fields)
        missing = []
        if require_label and "label" not in fields:
            missing.append("label")
        if not has_text:
            missing.append("text | subject+body | text_tokenized")
        if missing:
            raise ValueError(
                f"{path.name} 缺少列 / missing columns: {', '.join(missing)}"
                f"（现有列 / found: {', '.join(fields) or '无 / none'}）"
            )
        id_col = next((c for c in ID_COLUMNS if c in fields), None)
        texts: list[str] = []
        labels: list[str] = []
        ids: list[str] = []
        for n, row in enumerate(reader):
            texts.append(_message_text(row, fields))
            labels.append((row.get("label") or "").strip())
            ids.append((row.get(id_col) or "").strip() if id_col else f"{path.name}:{n}")
    return LabelledData(texts, labels, ids)


class Router:
    """Text classifier suggesting the category (and so the department) of a message."""

    def __init__(
        self,
        *,
        c: float = 0.3,
        temperature: float = 4.2,
        head_tokens: int = 10,
        min_df: int = 2,
        char_min_df: int | None = 5,
        char_max: int = 3,
        max_chars: int = 300,
        blocks: Sequence[str] = DEFAULT_BLOCKS,
    ) -> None:
        unknown = set(blocks) - set(BLOCKS)
        if unknown or not blocks:
            raise ValueError(f"unknown feature blocks: {sorted(unknown)}; choose from {BLOCKS}")
        self.blocks = tuple(blocks)
        self.c = c
        self.max_chars = max_chars
        self.char_max = char_max
        self.temperature = temperature
        self.head_tokens = head_tokens
        self.min_df = min_df
        self.char_min_df = char_min_df or min_df
        self.labels: list[str] = []
        self.metadata: dict[str, Any] = {}
        self._features: Any = None
        self._clf: Any = None
        self._fast: _FastScorer | None = None

    # -- text preparation -------------------------------------------------------------------
    @staticmethod
    def prepare(text: str | None, max_chars: int | None = None) -> str:
        """Raw or pre-tokenised text -> space separated plain-jieba tokens, no stop words.

        ``max_chars`` cuts running text before segmentation (a latency guard for very long
        messages; the subject and the first paragraphs carry the category).
        """
        if text and max_chars and len(text) > max_chars:
            head = text[:max_chars]
            if not is_pretokenised(head):  # looking at the head is enough (and cheaper)
                text = head
        return join_tokens(text, user_dict=False)

    def _build_features(self) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import FeatureUnion

        def words(pre: _Head | None = None) -> TfidfVectorizer:
            return TfidfVectorizer(
                token_pattern=r"\S+",
                lowercase=False,
                preprocessor=pre,
                sublinear_tf=True,
                min_df=self.min_df,
                max_df=0.9,
                dtype=np.float32,
            )

        def chars(lo: int, hi: int, pre: Any, analyzer: str = "char") -> TfidfVectorizer:
            return TfidfVectorizer(
                analyzer=analyzer,
                ngram_range=(lo, hi),
                lowercase=False,
                preprocessor=pre,
                sublinear_tf=True,
                min_df=self.char_min_df,
                max_df=0.9,
                dtype=np.float32,
            )

        head = _Head(self.head_tokens)
        make = {
            "words": lambda: words(),
            "chars": lambda: chars(1, self.char_max, _Joined()),
            "wb_chars": lambda: chars(2, 4, None, "char_wb"),
            "head_words": lambda: words(head),
            "head_chars": lambda: chars(1, 3, _Joined(self.head_tokens)),
            "head_wb_chars": lambda: chars(1, 3, head, "char_wb"),
        }
        return FeatureUnion([(name, make[name]()) for name in self.blocks])

    # -- training -------------------------------------------------------------------------
    def fit(self, texts: Iterable[str], labels: Iterable[str], *, prepared: bool = False) -> Router:
        """Train on raw or tokenised texts. Identical (text, label) pairs are used once."""
        from sklearn.svm import LinearSVC

        started = time.perf_counter()
        docs = list(texts) if prepared else [self.prepare(t) for t in texts]
        ys = [str(label).strip() for label in labels]
        if len(docs) != len(ys):
            raise ValueError("texts and labels differ in length")
        seen: set[tuple[str, str]] = set()
        train_docs: list[str] = []
        train_ys: list[str] = []
        for doc, label in zip(docs, ys, strict=True):
            if not doc or not label or (doc, label) in seen:
                continue
            seen.add((doc, label))
            train_docs.append(doc)
            train_ys.append(label)
        if len(set(train_ys)) < 2:
            raise ValueError("至少需要两个类别 / need at least two labels to train")
        self._features = self._build_features()
        matrix = self._features.fit_transform(train_docs)
        self._clf = LinearSVC(C=self.c, class_weight="balanced").fit(matrix, train_ys)
        self.labels = [str(label) for label in self._clf.classes_]
        self._fast = _FastScorer(self._features, self._clf)
        self._fast.warm()
        self.metadata = {
            "labels": self.labels,
            "n_train": len(train_docs),
            "n_input": len(docs),
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "train_seconds": round(time.perf_counter() - started, 2),
            "params": {
                "c": self.c,
                "temperature": self.temperature,
                "head_tokens": self.head_tokens,
                "min_df": self.min_df,
                "char_min_df": self.char_min_df,
                "char_max": self.char_max,
                "max_chars": self.max_chars,
                "blocks": list(self.blocks),
            },
            "metrics": {},
        }
        return self

    # -- prediction -----------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if self._clf is None:
            raise RuntimeError("Router is not trained / 模型尚未训练")

    def decision(self, texts: Sequence[str], *, prepared: bool = False) -> np.ndarray:
        """Raw SVM scores, shape (n, n_labels); columns follow ``self.labels``."""
        self._check_fitted()
        if self._fast is None:
            self._fast = _FastScorer(self._features, self._clf)
        docs = list(texts) if prepared else [self.prepare(t, self.max_chars) for t in texts]
        return self._fast.scores(docs)

    def decision_sklearn(self, docs: Sequence[str]) -> np.ndarray:
        """Reference scores through scikit-learn (slower; used to test the fast path)."""
        self._check_fitted()
        scores = self._clf.decision_function(self._features.transform(list(docs)))
        if scores.ndim == 1:
            scores = np.column_stack([-scores, scores])
        return np.asarray(scores, dtype=np.float64)

    def predict_proba(self, texts: Sequence[str], *, prepared: bool = False) -> np.ndarray:
        """Confidences (softmax of temperature-scaled scores); each row sums to 1."""
        scores = self.decision(texts, prepared=prepared) * self.temperature
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict(self, texts: Sequence[str], *, prepared: bool = False) -> list[str]:
        """Best label for each text."""
        scores = self.decision(texts, prepared=prepared)
        return [self.labels[i] for i in scores.argmax(axis=1)]

    def predict_top(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """The ``k`` most likely labels of one message with their confidences (sum ≤ 1)."""
        proba = self.predict_proba([text])[0]
        order = np.argsort(-proba)[: max(1, k)]
        return [(self.labels[i], round(float(proba[i]), 4)) for i in order]

    # -- persistence ----------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        # the fast scorer is derived from the features and the SVM: rebuilt on unpickling
        # (smaller pickles, and routers pickled by an older version get the current scorer)
        return {k: v for k, v in self.__dict__.items() if k != "_fast"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("char_min_df", self.min_df)
        self._fast = None
        if self._clf is not None:
            self._fast = _FastScorer(self._features, self._clf)
            self._fast.warm()

    def save(self, path: str | Path) -> Path:
        """Write the model (pickle) with a readable metadata header."""
        self._check_fitted()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        header = {"magic": _MAGIC, "format_version": FORMAT_VERSION, **self.metadata}
        tmp = path.with_suffix(path.suffix + ".tmp")
        with tmp.open("wb") as handle:
            pickle.dump(header, handle, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(self._state(), handle, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
        return path

    def _state(self) -> dict[str, Any]:
        return {
            "params": self.metadata.get("params", {}),
            "labels": self.labels,
            "features": self._features,
            "clf": self._clf,
            "metadata": self.metadata,
        }

    @staticmethod
    def read_header(path: str | Path) -> dict[str, Any]:
        """Only the metadata header (labels, n_train, trained_at, metrics...)."""
        with Path(path).open("rb") as handle:
            header = pickle.load(handle)
        if not isinstance(header, dict) or header.get("magic") != _MAGIC:
            raise RouterLoadError(f"不是分拨模型文件 / not a router model file: {path}")
        return header

    @classmethod
    def load(cls, path: str | Path) -> Router:
        """Load a model written by :meth:`save`. Only load files you wrote yourself (pickle)."""
        path = Path(path)
        with path.open("rb") as handle:
            header = pickle.load(handle)
            if not isinstance(header, dict) or header.get("magic") != _MAGIC:
                raise RouterLoadError(f"不是分拨模型文件 / not a router model file: {path}")
            if header.get("format_version") != FORMAT_VERSION:
                raise RouterLoadError(
                    f"模型格式版本不符 / unsupported model format "
                    f"{header.get('format_version')} (expected {FORMAT_VERSION})"
                )
            state = pickle.load(handle)
        params = state.get("params", {})
        router = cls(
            c=params.get("c", 0.3),
            temperature=params.get("temperature", 4.2),
            head_tokens=params.get("head_tokens", 10),
            min_df=params.get("min_df", 2),
            char_min_df=params.get("char_min_df", params.get("min_df", 2)),
            char_max=params.get("char_max", 3),
            max_chars=params.get("max_chars", 300),
            blocks=tuple(params.get("blocks", DEFAULT_BLOCKS)),
        )
        router.labels = list(state["labels"])
        router._features = state["features"]
        router._clf = state["clf"]
        router._fast = _FastScorer(router._features, router._clf)
        router._fast.warm()
        router.metadata = dict(state.get("metadata", {}))
        return router


_CODE_BITS = 21  # every Unicode code point (+1) fits in 21 bits: 3 characters in 63 bits
_MAX_CODED_N = 3


def _gram_code(gram: str) -> int:
    """The integer code of a character n-gram (n <= 3) used by :class:`_FastScorer`."""
    code = 0
    for char in gram:
        code = (code << _CODE_BITS) + ord(char) + 1
    return code


class _FastScorer:
    """Per-message scoring without scikit-learn's per-call overhead.

    A message is split into tokens once. Glued-character blocks (n <= 3) work on integer
    codes: the glued text becomes an array of code points, an n-gram is the code points of its
    characters packed into one ``uint64`` (21 bits each, +1 so that the lengths cannot
    collide), and the vocabulary is a sorted code array searched with ``np.searchsorted`` (one
    vectorised call instead of a dictionary look-up per n-gram, which was most of the time).
    The glued head is a prefix of the glued message, so the head block uses the first codes.
    Word blocks look the tokens up in their vocabulary; ``char_wb`` blocks (built word by
    word) cache the feature ids of each token. The sublinear TF-IDF with l2 normalisation per
    block is then reproduced and dotted with the SVM weights. Gives the same scores as
    ``decision_function`` (checked in the tests).
    """

    CACHE_LIMIT = 200_000

    def __init__(self, features: Any, clf: Any) -> None:
        coef = np.asarray(clf.coef_, dtype=np.float64)
        intercept = np.asarray(clf.intercept_, dtype=np.float64)
        if coef.shape[0] == 1:  # binary
            coef = np.vstack([-coef, coef])
            intercept = np.concatenate([-intercept, intercept])
        self.intercept = intercept
        self.blocks: list[_Block] = []
        self.max_n = 0
        offset = 0
        for _name, vec in features.transformer_list:
            size = len(vec.vocabulary_)
            pre = vec.preprocessor
            codes = columns = None
            if vec.analyzer == "char":
                if not isinstance(pre, _Joined):
                    raise TypeError("character blocks must glue the tokens (_Joined)")
                kind, head = "glued", pre.n or None
                if vec.ngram_range[1] <= _MAX_CODED_N:
                    self.max_n = max(self.max_n, vec.ngram_range[1])
                    codes = np.fromiter(
                        map(_gram_code, vec.vocabulary_), dtype=np.uint64, count=size
                    )
                    columns = np.fromiter(vec.vocabulary_.values(), dtype=np.intp, count=size)
                    order = np.argsort(codes)
                    codes, columns = codes[order], columns[order]
            elif vec.analyzer == "char_wb":
                kind, head = "token", pre.n if isinstance(pre, _Head) else None
            elif (
                vec.analyzer == "word"
                and tuple(vec.ngram_range) == (1, 1)
                and vec.token_pattern == r"\S+"
                and not vec.lowercase
                and vec.stop_words is None
                and vec.tokenizer is None
                and (pre is None or isinstance(pre, _Head))
            ):
                kind, head = "words", pre.n if pre is not None else None
            else:
                raise TypeError(f"unsupported feature block for fast scoring: {_name}")
            self.blocks.append(
                _Block(
                    kind=kind,
                    head=head,
                    analyzer=vec.build_analyzer(),
                    vocabulary=vec.vocabulary_,
                    idf=np.asarray(vec.idf_, dtype=np.float64),
                    weights=np.ascontiguousarray(coef[:, offset : offset + size].T),
                    cache={},
                    ngram_range=tuple(vec.ngram_range),
                    codes=codes,
                    columns=columns,
                )
            )
            offset += size

    def _token_features(self, block: _Block, token: str) -> tuple[int, ...]:
        found = block.cache.get(token)
        if found is None:
            vocab = block.vocabulary
            found = tuple(vocab[g] for g in block.analyzer(token) if g in vocab)
            if len(block.cache) >= self.CACHE_LIMIT:
                block.cache.clear()
            block.cache[token] = found
        return found

    def warm(self) -> None:
        """Fill the ``char_wb`` token caches with known words (the first messages are fast too)."""
        token_blocks = [b for b in self.blocks if b.kind == "token"]
        words = next((b.vocabulary for b in self.blocks if b.kind == "words"), None)
        if not token_blocks or words is None:
            return
        known = list(words)[: self.CACHE_LIMIT // 2]
        for block in token_blocks:
            for token in known:
                self._token_features(block, token)

    @staticmethod
    def _lookup(block: _Block, items: Iterable[str]) -> tuple[np.ndarray, np.ndarray] | None:
        """(column ids, counts) of the distinct known strings."""
        counts = Counter(items)
        n = len(counts)
        if not n:
            return None
        ids = np.fromiter(map(block.vocabulary.get, counts, repeat(-1)), dtype=np.intp, count=n)
        tf = np.fromiter(counts.values(), dtype=np.float64, count=n)
        known = ids >= 0
        return ids[known], tf[known]

    @staticmethod
    def _lookup_codes(
        block: _Block, grams: list[np.ndarray], size: int | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(column ids, counts) of the known n-gram codes (of the first ``size`` characters)."""
        lo, hi = block.ngram_range
        if size is None:
            parts = grams[lo - 1 : hi]
        else:
            parts = [grams[n - 1][: max(0, size - n + 1)] for n in range(lo, hi + 1)]
        codes, tf = np.unique(np.concatenate(parts), return_counts=True)
        table = block.codes
        pos = np.searchsorted(table, codes)  # type: ignore[arg-type]
        pos[pos == len(table)] = 0  # type: ignore[arg-type]
        known = table[pos] == codes  # type: ignore[index]
        return block.columns[pos[known]], tf[known].astype(np.float64)  # type: ignore[index]

    def _doc_scores(self, doc: str, out: np.ndarray) -> None:
        tokens = doc.split()
        glued = "".join(tokens)
        grams: list[np.ndarray] = []
        if self.max_n and glued:
            chars = np.frombuffer(glued.encode("utf-32-le"), dtype="<u4").astype(np.uint64) + 1
            grams.append(chars)
            shift = np.uint64(_CODE_BITS)
            for n in range(1, self.max_n):  # (n+1)-gram = n-gram, then the next character
                grams.append((grams[-1][:-1] << shift) + chars[n:])
        for block in self.blocks:
            toks = tokens if block.head is None else tokens[: block.head]
            if block.kind == "glued":
                if not glued:
                    continue
                size = None if block.head is None else sum(map(len, toks))
                if block.codes is not None:
                    ids, tf = self._lookup_codes(block, grams, size)
                else:
                    text = glued if size is None else glued[:size]
                    found = self._lookup(block, block.analyzer(text))
                    if found is None:
                        continue
                    ids, tf = found
            elif block.kind == "words":
                found = self._lookup(block, toks)
                if found is None:
                    continue
                ids, tf = found
            else:
                counts: Counter[int] = Counter()
                for token in toks:
                    counts.update(self._token_features(block, token))
                ids = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
                tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            if not len(ids):
                continue
            vals = (np.log(tf) + 1.0) * block.idf[ids]
            vals /= np.sqrt(vals @ vals)
            out += vals @ block.weights[ids]

    def scores(self, docs: Sequence[str]) -> np.ndarray:
        out = np.tile(self.intercept, (len(docs), 1))
        for row, doc in enumerate(docs):
            self._doc_scores(doc, out[row])
        return out


@dataclass
class _Block:
    kind: str  # "words" (token = feature), "glued" (glued characters), "token" (char_wb)
    head: int | None  # only the first ``head`` tokens
    analyzer: Any
    vocabulary: dict[str, int]
    idf: np.ndarray
    weights: np.ndarray
    cache: dict[str, tuple[int, ...]]
    ngram_range: tuple[int, int] = (1, 1)
    codes: np.ndarray | None = None  # glued blocks, n <= 3: sorted n-gram codes
    columns: np.ndarray | None = None  # ... and their columns


def grouped_cross_validate(
    texts: Sequence[str],
    labels: Sequence[str],
    groups: Sequence[str],
    *,
    folds: int = 5,
    eval_mask: Sequence[bool] | None = None,
    **router_kwargs: Any,
) -> dict[str, Any]:
    """K-fold cross-validation where all texts of one message (same group) share a fold.

    ``texts`` should already be prepared (see :meth:`Router.prepare`). ``eval_mask`` selects
    the rows scored (e.g. only one representation per message); all rows of the training
    folds are used for training.
    """
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import GroupKFold

    ys = np.asarray(labels, dtype=object)
    mask = np.ones(len(ys), bool) if eval_mask is None else np.asarray(eval_mask, bool)
    predicted = np.empty(len(ys), dtype=object)
    train_seconds = []
    for train_idx, test_idx in GroupKFold(n_splits=folds).split(texts, ys, groups):
        started = time.perf_counter()
        router = Router(**router_kwargs).fit(
            [texts[i] for i in train_idx], ys[train_idx], prepared=True
        )
        train_seconds.append(time.perf_counter() - started)
        test_idx = test_idx[mask[test_idx]]
        predicted[test_idx] = router.predict([texts[i] for i in test_idx], prepared=True)
    y_true, y_pred = list(ys[mask]), list(predicted[mask])
    return {
        "macro_f1": float(f1_score(y_true, y_pred, average="macro")),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "n_eval": int(mask.sum()),
        "folds": folds,
        "mean_train_seconds": float(np.mean(train_seconds)),
    }
