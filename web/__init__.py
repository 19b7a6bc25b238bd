"""HTTP only: FastAPI routers, dependencies, WebSocket hub, pages."""
