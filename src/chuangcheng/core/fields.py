"""Model fields of the engine that any loop may use."""

from __future__ import annotations

from typing import Any

from django.db import models

from chuangcheng.core import crypto


class EncryptedTextField(models.TextField):
    """Text kept encrypted in the database (core/crypto.py): the Python value is the plain
    text, the column holds a Fernet token. It cannot be searched or ordered: keep a blind index
    (crypto.blind_index) beside it for what must be found or unique. Only `isnull` and an empty
    value can be asked for."""

    description = "加密文本"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return value
        return crypto.encrypt(str(value))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in ("isnull",):
            raise TypeError(
                f"an encrypted field cannot be filtered with '{lookup_name}': "
                "filter on its blind index instead"
            )
        return super().get_lookup(lookup_name)
