"""Address search API (owned by the addresses app)."""

from ninja import Router

router = Router(tags=["地址"])
