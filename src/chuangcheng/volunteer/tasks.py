"""The 文明实践 loop's periodic jobs (core.periodic.start_cycles imports this module when the
task worker starts): the hourly 星级认定 run lives with the stars."""

from chuangcheng.volunteer.stars import run_stars, schedule_stars  # noqa: F401
