from typing import Any

from django.contrib import admin
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from chuangcheng.core.models import CalendarOverride, Setting

admin.site.site_header = "创城 · 管理后台"
admin.site.site_title = "创城管理后台"
admin.site.index_title = "系统配置"
admin.site.site_url = "/"  # 查看站点: back to the pages


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["day", "is_workday", "note"]
    list_filter = ["is_workday"]
    date_hierarchy = "day"


@admin.register(Setting)
class SettingAdmin(admin.ModelAdmin):
    list_display = ["key", "value", "note"]
    search_fields = ["key"]


# django-tasks-db's task results, with Chinese column names (its fields are translated in
# locale/zh_Hans; these are the columns its admin computes)
admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    list_display = (  # type: ignore[assignment]  # its own columns, less the id
        "task",
        "status",
        "enqueued_at",
        "started_at",
        "finished_at",
        "priority",
        "queue_name",
    )

    @admin.display(description="任务")
    def task(self, obj: DBTaskResult) -> str:
        return str(obj.task_name)

    @admin.display(description="错误堆栈")
    def formatted_traceback(self, obj: DBTaskResult) -> str:
        return super().formatted_traceback(obj)

    @admin.display(description="最早执行时间")
    def display_run_after(self, obj: DBTaskResult) -> Any:
        return super().display_run_after(obj)
