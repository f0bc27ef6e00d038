"""Hot issues: group messages about the same problem at the same place and rank the groups.

Grouping
    1. Places are extracted from subject + body (:func:`extract_places`): districts such as
       ``A3区`` / ``A7县`` and named places ending in 小区/花园/苑/路/街/村/学校/公司/项目...
       (a name may end in several suffix words: 金桥公司, 丽发新城小区; 某某有限公司 is read as
       某某公司). A name such as 伊景园滨河苑 also yields its parts (伊景园, 滨河苑) as keys, so a
       message that only says 滨河苑 still matches. A message whose subject names no place also
       gets the entities its body names that some other message's subject names
       (:func:`with_body_entities`): 魅力之城, A2小区, 某某公司 named only in the body.
    2. Text similarity is the cosine of TF-IDF vectors of character 2-3-grams (subject counted
       twice, body cut to ``body_chars``). *Problem* similarity is the cosine of TF-IDF vectors
       of the words that say what is wrong (:func:`_problem_matrix`: places, districts,
       building numbers and words such as 小区/投诉/反映 taken out).
    3. Two messages may be linked only when their places are compatible: no conflicting
       districts, and a shared place key (then similarity ≥ ``same_place_sim`` *and* their
       subjects' problem words meet, cosine ≥ ``problem_gate``: a shared place name alone makes
       texts alike); without a shared key they need near-identical text (≥ ``no_place_sim``, or
       ``different_place_sim`` when both name different places).
    4. Candidate links are merged best first with average linkage: two groups merge only when
       the mean similarity over all their message pairs is ≥ ``group_sim`` and the groups'
       places are still compatible; a second pass merges groups at one place whose centroids
       have cosine ≥ ``centroid_sim``.
    5. A third pass merges, best pair first, groups that share a place key (strong or from the
       body) and whose problem centroids have cosine ≥ ``problem_sim``: many messages about one
       problem at one place, worded differently, end in one group; different problems at one
       place do not meet on problem words and stay apart.

Every choice that could depend on set or dict order (labels, ties) is made by an explicit
order, so a run gives the same result under every ``PYTHONHASHSEED``.

Heat index of a group (documented in docs/intelligence.md)::

    heat = 10 × (ln(1+U) + 0.5·ln(1+N−U) + 0.7·ln(1+S⁺) + 0.2·ln(1+D))

    N  messages in the group            U  distinct users
    S⁺ max(0, Σlikes − Σdislikes)       D  time span in days (first to last message)

Distinct people weigh most; repeated messages from the same person, net support and
persistence add with diminishing (log) returns. How long ago the group's last message was,
compared with the newest message of the input, does not count: a file is a period under review,
and an issue raised for months is not cooler because it was raised earlier in that period.
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from .text import normalise

__all__ = [
    "HotIssue",
    "Message",
    "Places",
    "extract_places",
    "find_hot_issues",
    "heat_index",
    "places_match",
    "read_messages_csv",
    "rising_clusters",
]

_DISTRICT = re.compile(r"(?<![A-Za-z0-9])[A-Z]\d{0,2}[区县市]")
_SUFFIXES = (
    "小区|花园|家园|新村|新城|公寓|大厦|广场|社区|街道|大道|中学|小学|大学|学院|学校|幼儿园|医院|"
    "公司|集团|市场|公园|项目|苑|园|府|城|湾|庭|邸|郡|墅|路|街|巷|村|镇|乡|桥"
)
# a name may end in more than one suffix word: 金桥公司 (桥 + 公司), 丽发新城小区 (城 + 小区)
_WORD_SUFFIXES = "|".join(x for x in _SUFFIXES.split("|") if len(x) > 1)
_NAME = re.compile(rf"[\u4e00-\u9fa5A-Za-z0-9]{{1,6}}?(?:{_SUFFIXES})(?:{_WORD_SUFFIXES})*")
_TRAILING_SUFFIX = re.compile(rf"(?:{_SUFFIXES})$")
# Words that start a clause but are not part of a place name.
_LEADERS = re.compile(
    r"关于|反映|投诉|举报|咨询|请问|建议|请求|恳请|希望|要求|位于|地处|坐落|座落|对于|针对|"
    r"我们|我是|本人|市民|业主|居民|村民|家长|领导|政府|西地省|请|在|的|和|与|及|对|向|给|到|从|"
    r"是|了|被|把|我|附近|旁边|周边|门口|对面"
)
_SPLIT = re.compile(r"[^\u4e00-\u9fa5A-Za-z0-9]+")
_GENERIC = frozenset(
    [
        "小区",
        "花园",
        "家园",
        "新村",
        "新城",
        "公寓",
        "大厦",
        "广场",
        "社区",
        "街道",
        "大道",
        "中学",
        "小学",
        "大学",
        "学院",
        "学校",
        "幼儿园",
        "医院",
        "公司",
        "集团",
        "市场",
        "公园",
        "项目",
        "道路",
        "马路",
        "公路",
        "铁路",
        "网路",
        "线路",
        "思路",
        "出路",
        "门路",
        "电路",
        "水路",
        "城市",
        "县城",
        "进城",
        "全城",
        "农村",
        "乡村",
        "村里",
        "乡镇",
        "城镇",
        "村镇",
        "集镇",
        "城乡",
        "校园",
        "家里",
        "这里",
        "那里",
        "哪里",
        "心里",
        "村庄",
        "果园",
        "花园里",
        "菜园",
        "田园",
        "园区",
        "庄园",
        "乐园",
        "工业园",
        "物业公司",
        "开发公司",
        "房地产公司",
        "分公司",
        "总公司",
        "子公司",
        "政府",
        "小区里",
        "村民小组",
        "居委会",
        "街道办",
        "管委会",
        "港湾",
        "海湾",
    ]
)


# 某某股份有限公司 / 某某有限责任公司 / 某某有限公司 are one company: 某某公司
_COMPANY_FORM = re.compile(r"(?:股份)?有限(?:责任)?公司")


def _name_order(name: str) -> tuple[int, str]:
    """Longest name first, then in code-point order: a label never depends on set order."""
    return (-len(name), name)


@dataclass(frozen=True)
class Places:
    """Districts (A3区) and place-name keys found in a text."""

    districts: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    # names found in the subject are "strong": two different strong names never merge
    strong: bool = True

    def label(self) -> str:
        parts = sorted(self.districts)
        if self.names:
            parts.append(min(self.names, key=_name_order))
        return " ".join(parts)


def _names_in(text: str) -> set[str]:
    names: set[str] = set()
    text = _COMPANY_FORM.sub("公司", text)
    for chunk in _SPLIT.split(_DISTRICT.sub(" ", text)):
        for piece in _LEADERS.split(chunk):
            parts = [m.group(0) for m in _NAME.finditer(piece)]
            good = [p for p in parts if len(p) >= 3 and p not in _GENERIC]
            for name in good:
                names.add(name)
                # 丽发新城社区 -> 丽发新城: a name also answers to its shorter form
                shorter = _TRAILING_SUFFIX.sub("", name)
                if len(shorter) >= 3 and _TRAILING_SUFFIX.search(shorter):
                    names.add(shorter)
            # adjacent parts form a compound name: 伊景园 + 滨河苑 -> 伊景园滨河苑
            compound = "".join(parts)
            if len(good) >= 2 and compound in piece:
                names.add(compound)
    return names


def extract_places(text: str, body: str = "") -> Places:
    """Find districts and named places (小区/路/街/村/学校/公司...).

    Names come from ``text`` (the subject); the first sentence of ``body`` is used only when
    the subject names no place (bodies mention many incidental places).
    """
    text, body = normalise(text), normalise(body)
    districts = frozenset(
        d for d in _DISTRICT.findall(f"{text} {body[:200]}") if d[1:-1] or d[-1] != "市"
    )
    names = _names_in(text)
    if names or not body:
        return Places(districts, frozenset(names), strong=bool(names))
    names = _names_in(re.split(r"[。！？!?]", body, maxsplit=1)[0][:80])
    return Places(districts, frozenset(names), strong=False)


def places_match(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> bool:
    """True when a place name of ``a`` equals, contains or is contained in one of ``b``."""
    return any(x == y or x in y or y in x for x in a for y in b)


def with_body_entities(
    messages: Sequence[Message], *, body_chars: int = 300, limit: int = 2
) -> list[Places]:
    """The places of each message; one whose subject names no place also gets the named
    entities (estate, company, project, road...) of its body that some message's subject names:
    the first ``limit`` found in the body's first ``body_chars`` characters, longest name first
    at each position. Such names are weak keys (a body mentions incidental places too)."""
    by_head: dict[str, list[str]] = {}
    for name in {n for m in messages if m.places.strong for n in m.places.names}:
        by_head.setdefault(name[:2], []).append(name)
    for names in by_head.values():
        names.sort(key=_name_order)
    out = []
    for m in messages:
        if m.places.strong or not by_head:
            out.append(m.places)
            continue
        body = _COMPANY_FORM.sub("公司", normalise(m.body)[:body_chars])
        found: list[str] = []
        i = 0
        while i < len(body) - 2 and len(found) < limit:
            hit = next((n for n in by_head.get(body[i : i + 2], ()) if body.startswith(n, i)), "")
            if hit and hit not in found:
                found.append(hit)
            i += len(hit) or 1
        out.append(Places(m.places.districts, m.places.names | frozenset(found), strong=False))
    return out


@dataclass
class Message:
    msg_id: str
    user: str
    subject: str
    body: str
    time: datetime | None
    likes: int = 0
    dislikes: int = 0
    places: Places = field(default_factory=Places)


@dataclass
class HotIssue:
    rank: int
    heat: float
    place: str
    first: datetime | None
    last: datetime | None
    summary: str
    msg_ids: list[str]
    n_messages: int
    n_users: int
    support: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "heat": self.heat,
            "place": self.place,
            "first": self.first.isoformat(sep=" ") if self.first else None,
            "last": self.last.isoformat(sep=" ") if self.last else None,
            "summary": self.summary,
            "n_messages": self.n_messages,
            "n_users": self.n_users,
            "support": self.support,
            "msg_ids": self.msg_ids,
        }


_TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M")


def parse_time(value: str | None) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    for fmt in (*_TIME_FORMATS, "%Y/%m/%d", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def _int(value: str | None) -> int:
    try:
        return int(float(value or 0))
    except ValueError:
        return 0


def read_messages_csv(path: str | Path) -> list[Message]:
    """Read ``msg_id,user,subject,body,time,likes,dislikes`` (likes/dislikes/user optional)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"文件不存在 / file not found: {path}")
    csv.field_size_limit(1 << 24)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = [f.strip() for f in (reader.fieldnames or [])]
        reader.fieldnames = fields
        missing = [c for c in ("msg_id", "subject", "body", "time") if c not in fields]
        if missing:
            raise ValueError(f"{path.name} 缺少列 / missing columns: {', '.join(missing)}")
        messages = []
        for row in reader:
            subject, body = row.get("subject") or "", row.get("body") or ""
            messages.append(
                Message(
                    msg_id=(row.get("msg_id") or "").strip(),
                    user=(row.get("user") or "").strip(),
                    subject=subject.strip(),
                    body=body.strip(),
                    time=parse_time(row.get("time")),
                    likes=_int(row.get("likes")),
                    dislikes=_int(row.get("dislikes")),
                    places=extract_places(subject, body),
                )
            )
    return messages


def heat_index(n_messages: int, n_users: int, support: int, span_days: float) -> float:
    """The heat of a group (see the module docstring): the issue's own people, messages,
    support and persistence; how long ago it was last raised does not cool it down."""
    base = math.log1p(n_users) + 0.5 * math.log1p(max(0, n_messages - n_users))
    base += 0.7 * math.log1p(max(0, support)) + 0.2 * math.log1p(max(0.0, span_days))
    return round(10.0 * base, 2)


def _compatible(a: Places, b: Places) -> bool:
    return not (a.districts and b.districts and not a.districts & b.districts)


def _similarity_matrix(messages: Sequence[Message], body_chars: int) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [
        normalise(f"{m.subject} {m.subject} {m.body[:body_chars]}").replace(" ", "")
        for m in messages
    ]
    # very common n-grams (in 30% of a real board's messages) say nothing; in a small sample
    # one problem can be that common, so the cut only applies to larger inputs
    max_df = 0.3 if len(docs) >= 200 else 1.0
    vec = TfidfVectorizer(
        analyzer="char", ngram_range=(2, 3), sublinear_tf=True, min_df=2, max_df=max_df
    )
    matrix = vec.fit_transform(docs).astype(np.float32)
    return (matrix @ matrix.T).toarray()


# Words that say nothing about which problem a message raises.
_NOT_PROBLEM_WORDS = """
小区 问题 反映 投诉 举报 严重 请求 恳请 希望 领导 政府 相关 部门 咨询 建议 业主 居民 市民
请问 何时 为何 什么 时候 能否 是否 附近 旁边 尊敬 您好 你好 一个 我们 本人 情况 有关
街道 社区 位于 地处
"""
_NOT_PROBLEM = frozenset(_NOT_PROBLEM_WORDS.split())

# building numbers, a7 栋, 3 期...: parts of an address, not of a problem
_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _problem_matrix(
    messages: Sequence[Message], places: Sequence[Places], body_chars: int = 100
) -> Any:
    """Row-normalised TF-IDF of the words that say *what* the problem is: subject (twice) and
    the body's first ``body_chars`` characters, with place names (the message's and any found
    in that text), districts and building numbers taken out, words such as 小区/投诉/反映
    dropped, and words of three or more characters also counted by their two-character parts.
    ``None`` when no such word exists."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from .text import tokenize

    docs = []
    for m, p in zip(messages, places, strict=True):
        subject = normalise(m.subject)
        text = _COMPANY_FORM.sub("公司", f"{subject}。{subject}。{normalise(m.body)[:body_chars]}")
        for name in sorted(p.names | _names_in(text), key=_name_order):
            text = text.replace(name, "，")
        text = _DISTRICT.sub("，", text)
        words = [
            w
            for w in tokenize(text)
            if len(w) > 1 and w not in _NOT_PROBLEM and not _ASCII_ALNUM.search(w)
        ]
        # 搅拌站 / 搅拌厂, 油烟味 / 油烟: longer words also count by their two-character parts
        docs.append(words + [w[k : k + 2] for w in words if len(w) > 2 for k in range(len(w) - 1)])
    # a word only one message uses cannot tie it to another, but it is still a problem word:
    # without any left (subject-only vectors), the message would pass every gate
    big = len(docs) >= 200
    min_df = 2 if big and body_chars else 1
    vec = TfidfVectorizer(
        analyzer=_identity, sublinear_tf=True, min_df=min_df, max_df=0.1 if big else 1.0
    )
    try:
        return vec.fit_transform(docs).tocsr()
    except ValueError:  # empty vocabulary
        return None


def _same_problem(problems: Any, i: int, j: int, gate: float) -> bool:
    """Whether messages ``i`` and ``j`` share problem words (cosine ≥ ``gate``); a message with
    no problem word left (only places and 投诉/反映...) is not held against anyone."""
    if problems is None or not problems[i].nnz or not problems[j].nnz:
        return True
    return float(problems[i].multiply(problems[j]).sum()) >= gate


def _related_keys(keys: set[str]) -> dict[str, set[str]]:
    """For each place key, the keys it equals, contains or is contained in."""
    related: dict[str, set[str]] = {k: {k} for k in keys}
    for k in keys:
        for size in range(3, len(k)):
            for start in range(len(k) - size + 1):
                part = k[start : start + size]
                if part in related:
                    related[k].add(part)
                    related[part].add(k)
    return related


def group_messages(
    messages: Sequence[Message],
    *,
    same_place_sim: float = 0.22,
    different_place_sim: float = 0.8,
    no_place_sim: float = 0.5,
    group_sim: float = 0.18,
    centroid_sim: float = 0.5,
    problem_sim: float = 0.2,
    problem_gate: float = 0.15,
    body_chars: int = 400,
) -> list[list[int]]:
    """Indices of ``messages`` grouped by problem and place (see module docstring)."""
    n = len(messages)
    if n == 0:
        return []
    if n == 1:
        return [[0]]
    places = with_body_entities(messages)
    problems = _problem_matrix(messages, places)
    subject_problems = _problem_matrix(messages, places, body_chars=0)
    sim = _similarity_matrix(messages, body_chars)
    np.fill_diagonal(sim, 0.0)
    rows, cols = np.nonzero(np.triu(sim >= min(same_place_sim, no_place_sim)))
    edges = []
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        a, b, s = places[i], places[j], float(sim[i, j])
        if not _compatible(a, b):
            continue
        if places_match(a.names, b.names):
            # the shared place name alone makes texts alike: the problem words must meet too
            if not _same_problem(subject_problems, i, j, problem_gate):
                continue
            needed = same_place_sim
        elif a.strong and b.strong:
            needed = different_place_sim
        else:
            needed = no_place_sim
        if s >= needed:
            edges.append((s, i, j))
    edges.sort(reverse=True)

    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    root = list(range(n))
    names: dict[int, set[str]] = {
        i: set(places[i].names) if places[i].strong else set() for i in range(n)
    }
    districts: dict[int, set[str]] = {i: set(places[i].districts) for i in range(n)}
    keys: dict[int, set[str]] = {i: set(places[i].names) for i in range(n)}

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    np.fill_diagonal(sim, 1.0)

    def merge(ri: int, rj: int) -> int:
        if len(members[ri]) < len(members[rj]):
            ri, rj = rj, ri
        root[rj] = ri
        members[ri].extend(members.pop(rj))
        names[ri] |= names.pop(rj)
        districts[ri] |= districts.pop(rj)
        keys[ri] |= keys.pop(rj)
        return ri

    def coherence(group: list[int]) -> float:
        return float(sim[np.ix_(group, group)].mean())

    def same_place(ri: int, rj: int) -> bool:
        if districts[ri] and districts[rj] and not districts[ri] & districts[rj]:
            return False
        return not (names[ri] and names[rj] and not places_match(names[ri], names[rj]))

    def mergeable(ri: int, rj: int, second_pass: bool) -> bool:
        if not same_place(ri, rj):
            return False
        between = float(sim[np.ix_(members[ri], members[rj])].mean())
        if not second_pass:
            return between >= group_sim
        # centroid cosine: groups about one problem at one place, each coherent on its own
        if not (names[ri] and names[rj]):
            return False
        return between / math.sqrt(coherence(members[ri]) * coherence(members[rj])) >= centroid_sim

    for second_pass in (False, True):
        for _s, i, j in edges:
            ri, rj = find(i), find(j)
            if ri != rj and mergeable(ri, rj, second_pass):
                merge(ri, rj)

    # third pass: groups sharing a place key (strong, or an entity named in the body) that raise
    # the same problem, however many messages they hold and however differently worded
    if problems is not None:
        _merge_same_problem(problems, members, keys, same_place, merge, problem_sim)
    return sorted(sorted(m) for m in members.values())


def _merge_same_problem(
    problems: Any,
    members: dict[int, list[int]],
    keys: dict[int, set[str]],
    same_place: Any,
    merge: Any,
    threshold: float,
) -> None:
    """Merge, best pair first, groups at one place whose problem centroids have cosine
    ≥ ``threshold`` (centroids are recomputed after every merge)."""
    import heapq

    from scipy import sparse

    related = _related_keys({k for ks in keys.values() for k in ks})
    holders: dict[str, set[int]] = {}
    for root, ks in keys.items():
        for k in ks:
            holders.setdefault(k, set()).add(root)
    sums: dict[int, Any] = {}
    version: dict[int, int] = {}

    def centroid(root: int) -> Any:
        if root not in sums:
            total = sparse.csr_matrix(problems[members[root]].sum(axis=0))
            norm = math.sqrt(float(total.multiply(total).sum()))
            sums[root] = total / norm if norm else total
            version[root] = version.get(root, 0)
        return sums[root]

    def candidates(root: int) -> set[int]:
        near = {r for k in keys[root] for k2 in related[k] for r in holders[k2]}
        return {r for r in near if r != root and r in members}

    heap: list[tuple[float, int, int, int, int]] = []

    def push(a: int, b: int) -> None:
        a, b = min(a, b), max(a, b)
        score = float(centroid(a).multiply(centroid(b)).sum())
        if score >= threshold and same_place(a, b):
            heapq.heappush(heap, (-score, a, b, version[a], version[b]))

    for root in sorted(r for r in members if keys[r]):
        for other in sorted(candidates(root)):
            if other > root:
                push(root, other)
    while heap:
        _score, a, b, va, vb = heapq.heappop(heap)
        if a not in members or b not in members or (version[a], version[b]) != (va, vb):
            continue
        if not same_place(a, b):
            continue
        kept = merge(a, b)
        gone = b if kept == a else a
        sums.pop(gone, None)
        sums.pop(kept, None)
        version[kept] += 1
        for k in keys[kept]:
            holders[k].add(kept)
        for other in sorted(candidates(kept)):
            push(kept, other)


def _most_common(counts: Counter[str]) -> str:
    """The most frequent key; ties go to the longest, then the first in code-point order."""
    return min(counts, key=lambda k: (-counts[k], *_name_order(k)))


def _describe(messages: Sequence[Message], places: Sequence[Places], group: list[int]) -> dict:
    items = [messages[i] for i in group]
    times = [m.time for m in items if m.time]
    first, last = (min(times), max(times)) if times else (None, None)
    span = (last - first).total_seconds() / 86400 if first and last else 0.0
    users = {m.user or m.msg_id for m in items}
    support = sum(m.likes - m.dislikes for m in items)
    name_counts: Counter[str] = Counter(n for i in group for n in places[i].names)
    district_counts: Counter[str] = Counter(d for i in group for d in places[i].districts)
    place_parts = [_most_common(c) for c in (district_counts, name_counts) if c]
    # summary: subject of the most supported message, ties -> earliest, then lowest id
    best = min(
        items,
        key=lambda m: (-(m.likes - m.dislikes), m.time or datetime.max, m.msg_id),
    )
    return {
        "heat": heat_index(len(items), len(users), support, span),
        "place": " ".join(place_parts) or "（未识别地点）",
        "first": first,
        "last": last,
        "summary": best.subject or best.body[:40],
        "msg_ids": [
            m.msg_id for m in sorted(items, key=lambda m: (m.time or datetime.min, m.msg_id))
        ],
        "n_messages": len(items),
        "n_users": len(users),
        "support": support,
    }


def find_hot_issues(
    messages: Sequence[Message], top: int = 5, **group_options: Any
) -> list[HotIssue]:
    """Group ``messages`` and return the ``top`` groups by heat (ties: more messages, then the
    earlier first message id)."""
    groups = group_messages(messages, **group_options)
    places = with_body_entities(messages)
    described = [_describe(messages, places, g) for g in groups]
    described.sort(key=lambda d: (-d["heat"], -d["n_messages"], d["msg_ids"]))
    return [HotIssue(rank=r, **d) for r, d in enumerate(described[:top], start=1)]


def rising_clusters(
    current_counts: Mapping[tuple[str, str], int],
    baseline: Mapping[tuple[str, str], Sequence[int]],
    *,
    min_count: int = 5,
    z_threshold: float = 3.0,
    min_ratio: float = 2.0,
) -> list[dict[str, Any]]:
    """Flag (region, category) cells whose count in the current window is abnormally high.

    ``baseline[key]`` holds the counts of the same cell in previous windows of equal length
    (e.g. the same hour on the past 28 days). The expected level is their mean ``μ`` (a key
    without history counts as ``μ = 0``). Counts are Poisson-like, so the spread is
    ``σ = sqrt(max(var, μ, 1))``; a cell is rising when

        count ≥ min_count  and  z = (count − μ) / σ ≥ z_threshold  and  count ≥ min_ratio · μ.

    ``min_count`` keeps single stray orders from ever alarming. Results are sorted by ``z``
    (highest first; ties by count, then region and category, whatever the input order): dicts with region, category, count, expected, z, ratio and a Chinese
    ``reason``.
    """
    flagged: list[dict[str, Any]] = []
    for key, count in current_counts.items():
        if count < min_count:
            continue
        history = [float(v) for v in baseline.get(key, ())]
        mean = float(np.mean(history)) if history else 0.0
        var = float(np.var(history, ddof=1)) if len(history) > 1 else mean
        sigma = math.sqrt(max(var, mean, 1.0))
        z = (count - mean) / sigma
        ratio = count / mean if mean > 0 else math.inf
        if z >= z_threshold and count >= min_ratio * mean:
            region, category = key
            flagged.append(
                {
                    "region": region,
                    "category": category,
                    "count": int(count),
                    "expected": round(mean, 2),
                    "z": round(z, 2),
                    "ratio": None if math.isinf(ratio) else round(ratio, 2),
                    "reason": f"本时段 {count} 件，常态约 {mean:.1f} 件（高出 {z:.1f} 个标准差）",
                }
            )
    # ties (equal z) in a fixed order: more orders first, then by region and category
    flagged.sort(key=lambda d: (-d["z"], -d["count"], str(d["region"]), str(d["category"])))
    return flagged
