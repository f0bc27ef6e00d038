"""Print the SQL that gives the application's PostgreSQL role what it needs and no more: data
(SELECT/INSERT/UPDATE/DELETE) but not the tables themselves, so it cannot switch the
append-only triggers off, and no UPDATE/DELETE/TRUNCATE at all on the append-only tables.
The tables' owner (who runs the migrations) runs it after each `migrate`:

    manage.py app_role_sql chuangcheng_app | psql -U chuangcheng chuangcheng
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

# rows that are only ever added: history (办理记录) and the phone-reveal audit (查看号码留痕)
APPEND_ONLY_TABLES = ("cases_caseevent", "cases_contactreveal")


def app_role_sql(role: str, *, database: str) -> list[str]:
    q = connection.ops.quote_name
    r = q(role)
    return [
        f"GRANT CONNECT ON DATABASE {q(database)} TO {r};",
        f"GRANT USAGE ON SCHEMA public TO {r};",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r};",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {r};",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {', '.join(APPEND_ONLY_TABLES)} FROM {r};",
        # tables and sequences the owner creates in later migrations
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE "
        f"ON TABLES TO {r};",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE "
        f"ON SEQUENCES TO {r};",
    ]


class Command(BaseCommand):
    help = "输出为应用数据库角色授权的 SQL（只读写数据，不拥有表，历史表只能追加）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="应用使用的数据库角色名（须已由 CREATE ROLE 创建）")

    def handle(self, *args: Any, **opts: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("只适用于 PostgreSQL。")
        database = str(connection.settings_dict["NAME"])
        self.stdout.write("\n".join(app_role_sql(opts["role"], database=database)))
