"""Training and using the routing models (智能派单).

The models learn from the deployment's own closed orders: the text (title + content) of every
closed, scored order, labelled with its final category and its final lead unit. A model is
versioned and stored in the database (`RouterModel`), so every process loads the same one; the
platform simply shows no suggestion while none exists.
"""

from __future__ import annotations

import io
import pickle
import random
import time
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from chuangcheng.cases.models import Case, Category
from chuangcheng.core.errors import ValidationFailed
from chuangcheng.intelligence.models import RouterModel
from chuangcheng.intelligence.routing import Router
from chuangcheng.org.models import Unit

MIN_SAMPLES = 50
CONFIDENT = 0.6  # a top suggestion at or above this pre-fills the dispatcher's form


def training_rows(
    target: str, *, kind: str = "hotline", limit: int = 6_000
) -> tuple[list[str], list[str]]:
    field = "category__code" if target == RouterModel.Target.CATEGORY else "lead_unit_id"
    rows = (
        Case.objects.filter(kind=kind, status="closed")
        .exclude(hotline__return_count__gt=0)  # a 12345 order never returned
        .exclude(**{f"{field}__isnull": True})
        .order_by("-closed_at")
        .values_list("title", "content", field)[:limit]
    )
    texts, labels = [], []
    for title, content, label in rows:
        texts.append(f"{title} {content}")
        labels.append(str(label))
    return texts, labels


def _evaluate(texts: list[str], labels: list[str], seed: int = 7) -> dict[str, float]:
    """Macro-F1 and accuracy on a 10% hold-out, before training on everything."""
    from sklearn.metrics import accuracy_score, f1_score

    idx = list(range(len(texts)))
    random.Random(seed).shuffle(idx)
    cut = max(1, len(idx) // 10)
    test, train = idx[:cut], idx[cut:]
    router = Router()
    router.fit([texts[i] for i in train], [labels[i] for i in train])
    predicted = router.predict([texts[i] for i in test])
    truth = [labels[i] for i in test]
    return {
        "holdout_accuracy": float(accuracy_score(truth, predicted)),
        "holdout_macro_f1": float(f1_score(truth, predicted, average="macro")),
        "holdout_size": float(len(test)),
    }


def router_train(*, target: str, kind: str = "hotline", evaluate: bool = True) -> RouterModel:
    texts, labels = training_rows(target, kind=kind)
    if len(texts) < MIN_SAMPLES or len(set(labels)) < 2:
        raise ValidationFailed(
            f"已结案工单不足，无法训练（需要至少 {MIN_SAMPLES} 件、2 个以上类别，现有 {len(texts)} 件）。"
        )
    started = time.monotonic()
    metrics = _evaluate(texts, labels) if evaluate else {}
    router = Router()
    router.fit(texts, labels)
    metrics["train_seconds"] = round(time.monotonic() - started, 2)
    buffer = io.BytesIO()
    pickle.dump(router, buffer, protocol=pickle.HIGHEST_PROTOCOL)
    with transaction.atomic():
        latest = (
            RouterModel.objects.select_for_update()
            .filter(target=target)
            .aggregate(v=Max("version"))["v"]
        )
        RouterModel.objects.filter(target=target, active=True).update(active=False)
        model = RouterModel.objects.create(
            target=target,
            version=(latest or 0) + 1,
            trained_at=timezone.now(),
            n_train=len(texts),
            labels=sorted(set(labels)),
            metrics=metrics,
            blob=buffer.getvalue(),
            active=True,
        )
    return model


_loaded: dict[str, tuple[int, float, Router | None]] = {}
_CHECK_EVERY = 60.0


def active_router(target: str) -> Router | None:
    """The active model for `target`, loaded once per process and re-checked every minute."""
    cached = _loaded.get(target)
    now = time.monotonic()
    if cached and now - cached[1] < _CHECK_EVERY:
        return cached[2]
    row = (
        RouterModel.objects.filter(target=target, active=True).values_list("pk", flat=True).first()
    )
    if row is None:
        _loaded[target] = (0, now, None)
        return None
    if cached and cached[0] == row:
        _loaded[target] = (row, now, cached[2])
        return cached[2]
    blob = RouterModel.objects.values_list("blob", flat=True).get(pk=row)
    router = pickle.loads(bytes(blob))  # our own model from our own database
    _loaded[target] = (row, now, router)
    return router


def clear_cache() -> None:
    _loaded.clear()


@dataclass
class Suggestion:
    value: str
    label: str
    confidence: float

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "label": self.label, "confidence": round(self.confidence, 3)}


def suggest(title: str, content: str, *, k: int = 3) -> dict[str, Any]:
    """Top-k categories and lead units with confidence; empty lists when no model exists."""
    text = f"{title} {content}"
    out: dict[str, Any] = {"categories": [], "units": [], "confident": {}}
    cat_router = active_router(RouterModel.Target.CATEGORY)
    if cat_router is not None:
        top = cat_router.predict_top(text, k=k)
        names = dict(
            Category.objects.filter(code__in=[c for c, _ in top]).values_list("code", "name")
        )
        out["categories"] = [
            Suggestion(c, names.get(c, c), p).as_dict() for c, p in top if c in names
        ]
    unit_router = active_router(RouterModel.Target.UNIT)
    if unit_router is not None:
        top = unit_router.predict_top(text, k=k)
        ids = [int(u) for u, _ in top if u.isdigit()]
        names = {
            str(pk): n
            for pk, n in Unit.objects.filter(pk__in=ids, active=True).values_list("pk", "name")
        }
        out["units"] = [Suggestion(u, names[u], p).as_dict() for u, p in top if u in names]
    for key in ("categories", "units"):
        if out[key] and out[key][0]["confidence"] >= CONFIDENT:
            out["confident"][key] = out[key][0]["value"]
    return out
