from django.contrib import admin

from .models import UserDay


@admin.register(UserDay)
class UserDayAdmin(admin.ModelAdmin):
    list_display = ("user", "day", "module", "town", "committee", "hits", "first_seen", "last_seen")
    list_filter = ("module", "day")
    raw_id_fields = ("user", "district", "town", "committee")
    list_select_related = ("user", "town", "committee")
