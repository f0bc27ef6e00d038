"""Train the routing models (category and lead unit) on this city's closed orders."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chuangcheng.core.errors import ValidationFailed
from chuangcheng.intelligence.models import RouterModel
from chuangcheng.intelligence.services import router_train
from chuangcheng.intelligence.tasks import next_run, schedule_retraining


class Command(BaseCommand):
    help = "训练智能派单模型（分类与主办单位）(train the routing models)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--target", choices=["category", "unit", "all"], default="all")
        parser.add_argument(
            "--schedule", action="store_true", help="只安排每晚自动重新训练（由任务进程执行）"
        )
        parser.add_argument("--no-eval", action="store_true", help="跳过留出集评估（更快）")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["schedule"]:
            queued = schedule_retraining()
            when = next_run().strftime("%Y-%m-%d %H:%M")
            self.stdout.write(
                f"已安排 {when} 自动重新训练" if queued else "已有待执行的重新训练任务"
            )
            return
        targets = ["category", "unit"] if opts["target"] == "all" else [opts["target"]]
        for target in targets:
            try:
                model = router_train(target=target, evaluate=not opts["no_eval"])
            except ValidationFailed as exc:
                raise CommandError(exc.message) from None
            m = model.metrics
            label = RouterModel.Target(target).label
            f1 = m.get("holdout_macro_f1")
            self.stdout.write(
                f"{label}模型 v{model.version}: 样本 {model.n_train}，类别 {len(model.labels)}，"
                + (
                    f"留出集 macro-F1 {f1:.3f}，准确率 {m['holdout_accuracy']:.3f}，"
                    if f1 is not None
                    else ""
                )
                + f"用时 {m['train_seconds']} 秒"
            )
