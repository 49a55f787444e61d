from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Committee, District, Town, User


@admin.register(User)
class StaffAdmin(UserAdmin):
    fieldsets = (*(UserAdmin.fieldsets or ()), (_("岗位"), {"fields": ("display_name", "phone", "role", "district", "town", "committee")}))
    list_display = ("username", "display_name", "role", "town", "committee", "is_active")
    list_filter = ("role", "town")


admin.site.register(District)
admin.site.register(Town, list_display=("code", "name"))
admin.site.register(Committee, list_display=("code", "name", "town", "kind"), list_filter=("town",), search_fields=("name", "code"))
