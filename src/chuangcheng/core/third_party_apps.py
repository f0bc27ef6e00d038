"""Third-party apps that show in the admin, under Chinese names (their models' and fields'
names are translated in locale/zh_Hans). Installed in place of "axes" and
"django_otp.plugins.otp_totp"."""

from axes.apps import AppConfig as AxesAppConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPAppConfig


class AxesConfig(AxesAppConfig):
    verbose_name = "登录安全"


class TOTPConfig(TOTPAppConfig):
    verbose_name = "手机验证器"
