from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "chuangcheng.evaluation"
    label = "evaluation"
    verbose_name = "创城测评"

    # What this loop adds to the shell (read by web.loops). Role codes as in evaluation.roles.
    nav = [
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
    home_by_role = [
        ("ev_office", "evaluation:standard"),
        ("ev_evaluator", "evaluation:sites"),
        ("ev_unit", "evaluation:sites"),
        ("ev_leader", "evaluation:sites"),
    ]

    def ready(self) -> None:
        from chuangcheng.evaluation import roles  # noqa: F401  (declares the loop's roles)
