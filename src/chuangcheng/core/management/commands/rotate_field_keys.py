"""Re-encrypt every encrypted field with the first (newest) field key, in batches (ADR 0022;
docs/deployment.md §3b). Safe to run again; run it after putting a new key first in
CC_FIELD_KEYS(_FILE) and before removing the old one."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, models, transaction

from chuangcheng.core import crypto
from chuangcheng.core.fields import EncryptedTextField

BATCH = 500


def rotate_model(model: type[models.Model], batch: int = BATCH) -> int:
    """Re-encrypt the encrypted columns of one model's rows; how many values were rewritten."""
    fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
    if not fields:
        return 0
    q = connection.ops.quote_name
    assert model._meta.pk is not None
    table, pk = q(model._meta.db_table), q(str(model._meta.pk.column))
    done = 0
    for field in fields:
        col = q(str(field.column))
        last: Any = None
        while True:
            with transaction.atomic(), connection.cursor() as cur:
                where = f"{col} <> ''" + (f" AND {pk} > %s" if last is not None else "")
                cur.execute(
                    f"SELECT {pk}, {col} FROM {table} WHERE {where} ORDER BY {pk} LIMIT %s",
                    [*([last] if last is not None else []), batch],
                )
                rows = cur.fetchall()
                if not rows:
                    break
                cur.executemany(
                    f"UPDATE {table} SET {col} = %s WHERE {pk} = %s",
                    [(crypto.reencrypt(token), key) for key, token in rows],
                )
            done += len(rows)
            last = rows[-1][0]
    return done


class Command(BaseCommand):
    help = "用最新的字段密钥重新加密所有加密字段（轮换密钥后运行）"

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        for model in apps.get_models():
            n = rotate_model(model)
            if n:
                self.stdout.write(f"{model._meta.label}: {n} 个值已重新加密")
            total += n
        self.stdout.write(self.style.SUCCESS(f"完成：共重新加密 {total} 个值。"))
