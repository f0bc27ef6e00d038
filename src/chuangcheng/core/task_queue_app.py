"""django-tasks-db's app (the task queue in the database) under a Chinese name for the admin;
its fields are translated in locale/zh_Hans. Installed in place of "django_tasks_db"."""

from django_tasks_db.apps import TasksAppConfig


class TasksConfig(TasksAppConfig):
    verbose_name = "后台任务"
