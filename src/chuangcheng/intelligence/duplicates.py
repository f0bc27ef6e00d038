"""Small text-similarity helpers for repeated appeals (并单).

The database side (a PostgreSQL trigram lookup over cases) finds candidates; these helpers
score and explain a candidate pair in words a dispatcher reads.
"""

from __future__ import annotations

import re
from datetime import datetime

from .text import normalise

__all__ = ["char_bigrams", "explain_match", "normalise_for_match", "similarity"]

# Greetings and boilerplate that every appeal shares and that say nothing about the problem.
_BOILERPLATE = re.compile(
    r"尊敬的(?:各位)?领导(?:们)?|尊敬的|领导(?:们)?(?:您|你)?好|您好|你好|谢谢|感谢|此致|敬礼|请问|麻烦|希望|尽快|"
    r"处理|解决|反映|投诉|举报|咨询|关于|问题|请求|恳请"
)
_NON_WORD = re.compile(r"[^\w]|_", re.UNICODE)
# Particles that change bigrams without changing the matter (幸福路的井盖 = 幸福路井盖).
_PARTICLES = re.compile(r"[的了吗呢啊吧呀着过]")


def normalise_for_match(text: str | None) -> str:
    """Lower-case, NFKC, without punctuation, spaces, particles and boilerplate words."""
    text = normalise(text).lower()
    text = _BOILERPLATE.sub("", text)
    return _PARTICLES.sub("", _NON_WORD.sub("", text))


def char_bigrams(text: str) -> set[str]:
    """Character bigrams of an already normalised text (a 1-char text is its own gram)."""
    if len(text) < 2:
        return {text} if text else set()
    return {text[i : i + 2] for i in range(len(text) - 1)}


def similarity(a: str | None, b: str | None) -> float:
    """Jaccard similarity of character bigrams of the normalised texts, in [0, 1]."""
    ga, gb = char_bigrams(normalise_for_match(a)), char_bigrams(normalise_for_match(b))
    if not ga or not gb:
        return 0.0
    return len(ga & gb) / len(ga | gb)


def explain_match(
    text_a: str | None,
    text_b: str | None,
    *,
    same_community: bool | None = None,
    distance_m: float | None = None,
    time_a: datetime | None = None,
    time_b: datetime | None = None,
    same_caller: bool | None = None,
) -> list[str]:
    """Chinese reasons why two appeals may be the same matter.

    >>> explain_match("小区门口井盖丢失", "小区门口井盖不见了", distance_m=120)
    ['内容相似度 56%', '相距 120 米']
    """
    reasons = [f"内容相似度 {round(100 * similarity(text_a, text_b))}%"]
    if same_caller:
        reasons.append("同一来电人")
    if same_community:
        reasons.append("同一社区")
    if distance_m is not None:
        if distance_m < 1000:
            reasons.append(f"相距 {round(distance_m / 10) * 10:.0f} 米")
        else:
            reasons.append(f"相距 {distance_m / 1000:.1f} 公里")
    if time_a and time_b:
        delta = abs(time_a - time_b)
        if delta.days < 1:
            hours = max(1, round(delta.total_seconds() / 3600))
            reasons.append(f"{hours} 小时内")
        else:
            reasons.append(f"{delta.days + (1 if delta.seconds else 0)} 天内")
    return reasons
