"""The catalogue is kept in the admin; requests and stock only move through the services
(pages), so they are read-only here."""

from django.contrib import admin

from .models import Item, StockMove


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("name", "unit", "active", "sort")
    list_editable = ("active", "sort")


@admin.register(StockMove)
class StockMoveAdmin(admin.ModelAdmin):
    list_display = ("created_at", "item", "quantity", "kind", "town", "committee", "request", "actor")
    list_filter = ("kind", "item")
    list_select_related = ("item", "town", "committee", "request", "actor")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
