from django.contrib import admin

from .models import PickupPoint, PickupStock, RoundPickupSetting


class StockInline(admin.TabularInline):
    model = PickupStock
    extra = 0
    readonly_fields = ("issued", "redeemed", "updated_at")


@admin.register(PickupPoint)
class PickupPointAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "town", "committee", "address", "active")
    list_filter = ("kind", "active", "town")
    search_fields = ("name", "address")
    filter_horizontal = ("clerks",)
    raw_id_fields = ("committee",)
    inlines = [StockInline]


@admin.register(RoundPickupSetting)
class RoundPickupSettingAdmin(admin.ModelAdmin):
    list_display = ("round", "window_days")
