"""Vocabularies of the 12345 loop."""

from __future__ import annotations

APPEAL_TYPES = [
    ("consult", "咨询"),
    ("help", "求助"),
    ("complaint", "投诉"),
    ("report", "举报"),
    ("suggestion", "建议"),
    ("praise", "表扬"),
    ("other", "其他"),
]
CHANNELS = [
    ("phone", "电话"),
    ("web", "网站"),
    ("wechat", "微信/小程序"),
    ("app", "APP"),
    ("sms", "短信"),
    ("letter", "信件"),
    ("mailbox", "领导信箱"),
    ("media", "媒体"),
    ("upper", "上级转办"),
]
URGENCIES = [("normal", "一般"), ("urgent", "紧急"), ("emergency", "特急")]
RESOLUTIONS = [("resolved", "已解决"), ("partly", "部分解决"), ("unresolved", "未解决")]
SATISFACTIONS = [
    ("satisfied", "满意"),
    ("basic", "基本满意"),
    ("unsatisfied", "不满意"),
    ("none", "未评价"),
]
SUPERVISION_LEVELS = [("general", "一般督办"), ("key", "重点督办"), ("listed", "挂牌督办")]

APPEAL_TYPE_LABELS = dict(APPEAL_TYPES)
CHANNEL_LABELS = dict(CHANNELS)
URGENCY_LABELS = dict(URGENCIES)
RESOLUTION_LABELS = dict(RESOLUTIONS)
SATISFACTION_LABELS = dict(SATISFACTIONS)
SUPERVISION_LABELS = dict(SUPERVISION_LEVELS)
