"""Hot issues: group messages about the same problem at the same place and rank the groups.

Grouping
    1. Places are extracted from subject + body (:func:`extract_places`): districts such as
       ``A3区`` / ``A7县`` and named places ending in 小区/花园/苑/路/街/村/学校/公司... A name
       such as 伊景园滨河苑 also yields its parts (伊景园, 滨河苑) as keys, so a message that only
       says 滨河苑 still matches.
    2. Text similarity is the cosine of TF-IDF vectors of character 2-3-grams (subject counted
       twice, body cut to ``body_chars``).
    3. Two messages may be linked only when their places are compatible: no conflicting
       districts, and a shared place key (then similarity ≥ ``same_place_sim``); without a
       shared key they need near-identical text (≥ ``no_place_sim``, or
       ``different_place_sim`` when both name different places).
    4. Candidate links are merged best first with average linkage: two groups merge only when
       the mean similarity over all their message pairs is ≥ ``group_sim`` and the groups'
       places are still compatible. This avoids the chaining of single linkage, so different
       problems at one place, or one problem at different places, stay apart.

Heat index of a group (documented in docs/intelligence.md)::

    heat = 10 × (ln(1+U) + 0.5·ln(1+N−U) + 0.7·ln(1+S⁺) + 0.2·ln(1+D)) × (0.5 + 0.5·e^(−A/30))

    N  messages in the group            U  distinct users
    S⁺ max(0, Σlikes − Σdislikes)       D  time span in days (first to last message)
    A  days from the group's last message to the reference time (newest message in the file)

Distinct people weigh most; repeated messages from the same person, net support and
persistence add with diminishing (log) returns; recency halves the heat of stale groups at most.
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
_NAME = re.compile(rf"[\u4e00-\u9fa5A-Za-z0-9]{{1,6}}?(?:{_SUFFIXES})")
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
            parts.append(max(self.names, key=len))
        return " ".join(parts)


def _names_in(text: str) -> set[str]:
    names: set[str] = set()
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


def heat_index(
    n_messages: int, n_users: int, support: int, span_days: float, age_days: float
) -> float:
    """The heat of a group (see the module docstring)."""
    base = math.log1p(n_users) + 0.5 * math.log1p(max(0, n_messages - n_users))
    base += 0.7 * math.log1p(max(0, support)) + 0.2 * math.log1p(max(0.0, span_days))
    recency = 0.5 + 0.5 * math.exp(-max(0.0, age_days) / 30.0)
    return round(10.0 * base * recency, 2)


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


def group_messages(
    messages: Sequence[Message],
    *,
    same_place_sim: float = 0.22,
    different_place_sim: float = 0.8,
    no_place_sim: float = 0.5,
    group_sim: float = 0.18,
    centroid_sim: float = 0.5,
    body_chars: int = 400,
) -> list[list[int]]:
    """Indices of ``messages`` grouped by problem and place (see module docstring)."""
    n = len(messages)
    if n == 0:
        return []
    if n == 1:
        return [[0]]
    sim = _similarity_matrix(messages, body_chars)
    np.fill_diagonal(sim, 0.0)
    rows, cols = np.nonzero(np.triu(sim >= min(same_place_sim, no_place_sim)))
    edges = []
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        a, b, s = messages[i].places, messages[j].places, float(sim[i, j])
        if not _compatible(a, b):
            continue
        if places_match(a.names, b.names):
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
        i: set(messages[i].places.names) if messages[i].places.strong else set() for i in range(n)
    }
    districts: dict[int, set[str]] = {i: set(messages[i].places.districts) for i in range(n)}

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    np.fill_diagonal(sim, 1.0)

    def merge(ri: int, rj: int) -> None:
        if len(members[ri]) < len(members[rj]):
            ri, rj = rj, ri
        root[rj] = ri
        members[ri].extend(members.pop(rj))
        names[ri] |= names.pop(rj)
        districts[ri] |= districts.pop(rj)

    def coherence(group: list[int]) -> float:
        return float(sim[np.ix_(group, group)].mean())

    def mergeable(ri: int, rj: int, second_pass: bool) -> bool:
        if districts[ri] and districts[rj] and not districts[ri] & districts[rj]:
            return False
        if names[ri] and names[rj] and not places_match(names[ri], names[rj]):
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
    return [sorted(m) for m in members.values()]


def _describe(messages: Sequence[Message], group: list[int], reference: datetime | None) -> dict:
    items = [messages[i] for i in group]
    times = [m.time for m in items if m.time]
    first, last = (min(times), max(times)) if times else (None, None)
    span = (last - first).total_seconds() / 86400 if first and last else 0.0
    age = (reference - last).total_seconds() / 86400 if reference and last else 0.0
    users = {m.user or m.msg_id for m in items}
    support = sum(m.likes - m.dislikes for m in items)
    name_counts: Counter[str] = Counter(n for m in items for n in m.places.names)
    district_counts: Counter[str] = Counter(d for m in items for d in m.places.districts)
    place_parts = [d for d, _ in district_counts.most_common(1)]
    if name_counts:
        top = max(name_counts.values())
        place_parts.append(max((k for k, v in name_counts.items() if v == top), key=len))
    # summary: subject of the most supported message, ties -> earliest
    best = max(
        items,
        key=lambda m: (m.likes - m.dislikes, -m.time.timestamp() if m.time else -math.inf),
    )
    return {
        "heat": heat_index(len(items), len(users), support, span, age),
        "place": " ".join(place_parts) or "（未识别地点）",
        "first": first,
        "last": last,
        "summary": best.subject or best.body[:40],
        "msg_ids": [m.msg_id for m in sorted(items, key=lambda m: m.time or datetime.min)],
        "n_messages": len(items),
        "n_users": len(users),
        "support": support,
    }


def find_hot_issues(
    messages: Sequence[Message], top: int = 5, **group_options: Any
) -> list[HotIssue]:
    """Group ``messages`` and return the ``top`` groups by heat."""
    groups = group_messages(messages, **group_options)
    times = [m.time for m in messages if m.time]
    reference = max(times) if times else None
    described = [_describe(messages, g, reference) for g in groups]
    described.sort(key=lambda d: (-d["heat"], -d["n_messages"]))
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
    (highest first): dicts with region, category, count, expected, z, ratio and a Chinese
    ``reason``.
    """
    flagged = []
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
    flagged.sort(key=lambda d: -float(d["z"]))  # type: ignore[arg-type]
    return flagged
