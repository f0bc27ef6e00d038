"""``manage.py route_eval``: train the router on labelled CSV files and score a test file.

Prints exactly one JSON line on stdout::

    {"accuracy": .., "macro_f1": .., "ms_per_message": .., "n_train": .., "n_test": ..}
"""

from __future__ import annotations

import json
import time
import warnings
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chuangcheng.intelligence.routing import LabelledData, Router, read_labelled_csv


def _read(path: str) -> LabelledData:
    try:
        return read_labelled_csv(path)
    except FileNotFoundError as exc:
        raise CommandError(str(exc)) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise CommandError(f"无法读取 / cannot read {path}: {exc}") from exc


class Command(BaseCommand):
    help = "训练分拨模型并在测试集上评估 / train the routing model and evaluate it on a test CSV"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--train", action="append", required=True, metavar="FILE", help="labelled CSV"
        )
        parser.add_argument("--test", required=True, metavar="FILE", help="labelled CSV")

    def handle(self, *args: Any, **options: Any) -> None:
        warnings.simplefilter("ignore")
        train_sets = [_read(p) for p in options["train"]]
        test = _read(options["test"])
        texts = [t for d in train_sets for t in d.texts]
        labels = [label for d in train_sets for label in d.labels]
        keep = [i for i, label in enumerate(labels) if label]
        if not keep:
            raise CommandError("训练集没有带标签的数据 / no labelled training rows")
        try:
            router = Router().fit([texts[i] for i in keep], [labels[i] for i in keep])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        test_idx = [i for i, label in enumerate(test.labels) if label]
        if not test_idx:
            raise CommandError("测试集没有带标签的数据 / no labelled test rows")
        test_texts = [test.texts[i] for i in test_idx]
        y_true = [test.labels[i] for i in test_idx]
        started = time.perf_counter()
        y_pred = router.predict(test_texts)
        elapsed = time.perf_counter() - started

        from sklearn.metrics import accuracy_score, f1_score

        result = {
            "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
            "macro_f1": round(float(f1_score(y_true, y_pred, average="macro")), 4),
            "ms_per_message": round(1000 * elapsed / len(test_texts), 3),
            "n_train": router.metadata["n_train"],
            "n_test": len(test_texts),
        }
        self.stdout.write(json.dumps(result, ensure_ascii=False))
