"""Route modules; each defines ``router = APIRouter(prefix=..., tags=[...])``."""
