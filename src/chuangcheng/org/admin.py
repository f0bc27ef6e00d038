from typing import Any

from django import forms
from django.contrib import admin

from chuangcheng.org.models import Membership, Region, Unit
from chuangcheng.org.people import person_name
from chuangcheng.org.roles import role_choices


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path"]

    def save_model(self, request: Any, obj: Region, form: Any, change: bool) -> None:
        from chuangcheng.org.services import region_save

        region_save(region=obj)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "region", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["region", "parent"]


class MembershipForm(forms.ModelForm):
    role = forms.ChoiceField(label="角色", choices=role_choices)

    class Meta:
        model = Membership
        fields = ["user", "unit", "role"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipForm
    list_display = ["person", "role", "unit"]
    list_filter = ["role"]
    list_select_related = ["user", "unit"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name"]
    raw_id_fields = ["user", "unit"]

    @admin.display(description="人员", ordering="user__last_name")
    def person(self, obj: Membership) -> str:
        return person_name(obj.user)
