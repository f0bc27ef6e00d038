"""Personal data at rest: encrypted fields (nothing readable in the table), blind indexes, key
rotation, a clear failure under the wrong keys, production refusing to start without keys; and
the 居民身份证号码 checks, masking and what is read from a number."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.db import connection, models
from django.test.utils import isolate_apps

from chuangcheng.core import crypto
from chuangcheng.core.errors import ValidationFailed
from chuangcheng.core.fields import EncryptedTextField
from chuangcheng.core.idcard import age_on, check_char, id_index, mask_id, parse_id
from chuangcheng.core.management.commands.rotate_field_keys import rotate_model

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
# a valid number (check character computed here by the standard's weights, stated in the test)
BODY = "15010219850317002"  # 呼和浩特市新城区, born 1985-03-17, sequence 002 (even: female)


def valid(body: str = BODY) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


@pytest.fixture
def keys(settings: Any) -> Iterator[Any]:
    settings.CC_FIELD_KEYS = OLD
    settings.CC_FIELD_INDEX_KEY = "index-key-for-tests-" + "x" * 30
    yield settings


def test_values_encrypt_and_decrypt_and_empty_stays_empty(keys: Any) -> None:
    token = crypto.encrypt("150102198503170020")
    assert "150102" not in token and crypto.decrypt(token) == "150102198503170020"
    assert crypto.encrypt("150102198503170020") != token  # a fresh IV each time
    assert crypto.encrypt("") == "" and crypto.decrypt("") == ""


def test_blind_index_matches_equal_values_only_and_per_purpose(keys: Any) -> None:
    a = crypto.blind_index("150102198503170020", "id_number")
    assert a == crypto.blind_index("150102198503170020", "id_number")
    assert a != crypto.blind_index("150102198503170021", "id_number")
    assert a != crypto.blind_index("150102198503170020", "phone")
    assert "150102" not in a and len(a) == 64
    keys.CC_FIELD_INDEX_KEY = "another-index-key-" + "y" * 30
    assert crypto.blind_index("150102198503170020", "id_number") != a


def test_rotation_old_values_still_open_then_only_the_new_key_is_needed(keys: Any) -> None:
    old_token = crypto.encrypt("秘密")
    keys.CC_FIELD_KEYS = f"{NEW},{OLD}"  # the new key first, the old kept to decrypt
    assert crypto.decrypt(old_token) == "秘密"
    new_token = crypto.reencrypt(old_token)
    keys.CC_FIELD_KEYS = NEW
    assert crypto.decrypt(new_token) == "秘密"
    with pytest.raises(crypto.Undecryptable):
        crypto.decrypt(old_token)  # the old key removed: values it sealed no longer open


def test_a_malformed_key_is_a_clear_configuration_error(keys: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured

    keys.CC_FIELD_KEYS = "not-a-key"
    with pytest.raises(ImproperlyConfigured, match="32 url-safe base64"):
        crypto.encrypt("x")


@pytest.mark.django_db(transaction=True)
@isolate_apps("chuangcheng.core")
def test_an_encrypted_field_hides_the_value_in_the_table_and_rotates(keys: Any) -> None:
    class Person(models.Model):
        name = models.CharField(max_length=20)
        id_number = EncryptedTextField(blank=True)
        id_index = models.CharField(max_length=64, blank=True)

        class Meta:
            app_label = "cc_core"
            db_table = "test_encrypted_person"

        def __str__(self) -> str:
            return self.name

    with connection.schema_editor() as editor:
        editor.create_model(Person)
    try:
        number = valid()
        p = Person.objects.create(name="王芳", id_number=number, id_index=id_index(number))
        Person.objects.create(name="无证", id_number="")
        with connection.cursor() as cur:
            cur.execute("SELECT id_number FROM test_encrypted_person WHERE id = %s", [p.pk])
            stored = cur.fetchone()[0]
        assert number not in stored and "19850317" not in stored
        assert Person.objects.get(pk=p.pk).id_number == number
        # found by its blind index, never by the value itself
        assert Person.objects.get(id_index=id_index(number)).name == "王芳"
        with pytest.raises(TypeError, match="blind index"):
            Person.objects.filter(id_number=number).count()
        # rotation: new key first, every value re-encrypted, then the old key can go
        keys.CC_FIELD_KEYS = f"{NEW},{OLD}"
        assert rotate_model(Person, batch=1) == 1  # the empty value is left alone
        keys.CC_FIELD_KEYS = NEW
        assert Person.objects.get(pk=p.pk).id_number == number
        assert rotate_model(Person) == 1  # safe to run again
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Person)


def test_the_rotate_command_runs_over_the_installed_models(keys: Any, db: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "完成" in out.getvalue()


def test_production_refuses_to_start_without_field_keys() -> None:
    root = Path(__file__).resolve().parent.parent
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CC_", "DJANGO_")) or k == "DJANGO_SETTINGS_MODULE"
    }
    env |= {
        "CC_ENV": "production",
        "CC_SECRET_KEY": "s" * 10 + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH",
        "CC_ALLOWED_HOSTS": "example.org",
        "CC_HISTORY_KEY": "k" * 48,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0 and "CC_FIELD_KEYS" in result.stderr


# ---------------------------------------------------------------- 居民身份证号码


def test_a_valid_number_gives_birth_sex_mask_and_index(keys: Any) -> None:
    number = valid()
    assert check_char(BODY) == number[-1]
    parsed = parse_id(f" {number[:6]} {number[6:]} ")  # spaces as people type them
    assert parsed.number == number and parsed.birth == dt.date(1985, 3, 17)
    assert parsed.male is False  # the 17th digit, 2, is even
    assert parsed.masked == number[:6] + "********" + number[-4:]
    assert "1985" not in parsed.masked
    assert parsed.index == id_index(number)
    male = parse_id(valid("11010519491231003"))  # sequence 003: odd
    assert male.male is True
    assert age_on(parsed.birth, dt.date(2026, 3, 16)) == 40
    assert age_on(parsed.birth, dt.date(2026, 3, 17)) == 41
    assert mask_id("") == ""


def test_a_lower_case_x_is_accepted() -> None:
    body = next(b for b in (f"1501021985031700{i}" for i in range(10)) if valid(b).endswith("X"))
    assert parse_id(valid(body).lower()).number == valid(body)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "未填写"),
        ("15010219850317002", "应为 18 位，现为 17 位"),
        ("1501021985031700A1", "前 17 位应为数字"),
        (valid("15010219850230002")[:-1] + "0", "出生日期 19850230 不存在"),
        (valid("15010220990317002"), "出生日期 2099-03-17 不合理"),
        (valid()[:-1] + ("0" if valid()[-1] != "0" else "1"), "校验位不符"),
    ],
)
def test_bad_numbers_are_named_in_chinese(raw: str, message: str) -> None:
    with pytest.raises(ValidationFailed, match="身份证号码有误") as info:
        parse_id(raw, field="id_number")
    assert message in info.value.message
    assert info.value.fields == {"id_number": [info.value.message.split("：", 1)[1]]}
