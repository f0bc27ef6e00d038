from django.apps import AppConfig

from chuangcheng.evaluation import settings_keys  # noqa: F401  (declares the loop's settings)


class EvaluationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "chuangcheng.evaluation"
    label = "evaluation"
    verbose_name = "创城测评"

    # What this loop adds to the shell (read by web.loops). Role codes as in evaluation.roles.
    nav = [
        ("evaluation:today", "今日测评", frozenset({"ev_evaluator"})),
        (
            "evaluation:problems",
            "问题清单",
            frozenset({"ev_office", "ev_evaluator", "ev_unit", "ev_leader"}),
        ),
        ("evaluation:plans", "测评计划", frozenset({"ev_office", "ev_leader"})),
        ("evaluation:scores", "测评得分", frozenset({"ev_office", "ev_leader"})),
        ("evaluation:surveys", "问卷调查", frozenset({"ev_office", "ev_leader"})),
        (
            "evaluation:standard",
            "测评标准",
            frozenset({"ev_office", "ev_evaluator", "ev_unit", "ev_leader"}),
        ),
        (
            "evaluation:sites",
            "测评点位",
            frozenset({"ev_office", "ev_evaluator", "ev_unit", "ev_leader"}),
        ),
    ]
    # the documents it offers in the 报表 archive (core/reports.py)
    reports = ["chuangcheng.evaluation.reports.BULLETIN", "chuangcheng.evaluation.reports.LEDGER"]
    home_by_role = [
        ("ev_office", "evaluation:standard"),
        ("ev_evaluator", "evaluation:today"),
        ("ev_unit", "evaluation:problems"),
        ("ev_leader", "evaluation:scores"),
    ]

    def ready(self) -> None:
        # declares the loop's roles and the rectification workflow
        from chuangcheng.evaluation import roles, workflow  # noqa: F401
